// SPDX-License-Identifier: GPL-2.0
/* clonectl: "partition showpolicies" and "partition changepolicy". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static const struct clonedev_policy_entry *
find(const struct clonedev_policy_get *pg, unsigned int id)
{
	unsigned int i;

	for (i = 0; i < pg->count; i++)
		if (pg->entries[i].id == id)
			return &pg->entries[i];
	return NULL;
}

/* A policy's value once @ch is applied. */
static unsigned int final_value(const struct clonedev_policy_get *pg,
				const struct clonedev_policy_change *ch, int n,
				unsigned int id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ch[i].id == id)
			return ch[i].value;
	return find(pg, id)->value;
}

static int read_policies(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args, struct clonedev **cd,
			 struct clonedev_policy_get *pg)
{
	int ret;

	if (cli_session_slot(cli, cmd, args, cd))
		return -1;
	ret = clonedev_policy_get(*cd, pg);
	if (ret == -ENODEV)
		return cli_error("reading the policies: no slot is selected; choose one with 'slot set -slot N'.");
	if (ret)
		return cli_errno(cli, ret, "reading the policies");
	return 0;
}

int cmd_partition_showpolicies(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args)
{
	bool verbose = cli_flag(cmd, args, "verbose");
	struct clonedev_policy_get pg;
	struct clonedev *cd;
	unsigned int i;

	if (read_policies(cli, cmd, args, &cd, &pg))
		return -1;
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "policies");
		for (i = 0; i < pg.count; i++) {
			const struct clonedev_policy_entry *e = &pg.entries[i];

			json_obj_begin(&j, NULL);
			json_uint(&j, "id", e->id);
			json_str(&j, "name", clonedev_policy_name(e->id));
			json_uint(&j, "value", e->value);
			json_uint(&j, "default", e->default_value);
			json_uint(&j, "min", e->min);
			json_uint(&j, "max", e->max);
			json_bool(&j, "destructive_on",
				  e->policy_flags & CLONEDEV_POLICY_DESTRUCTIVE_ON);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	if (verbose)
		printf("%3s  %-34s %5s %7s %7s  %s\n", "#", "Description", "Value",
		       "Default", "Range", "Off->on destroys objects");
	for (i = 0; i < pg.count; i++) {
		const struct clonedev_policy_entry *e = &pg.entries[i];
		char range[16];

		if (!verbose) {
			printf("%3u: %s : %u\n", e->id,
			       clonedev_policy_name(e->id), e->value);
			continue;
		}
		snprintf(range, sizeof(range), "%u-%u", e->min, e->max);
		printf("%3u  %-34s %5u %7u %7s  %s\n", e->id,
		       clonedev_policy_name(e->id), e->value, e->default_value,
		       range,
		       e->policy_flags & CLONEDEV_POLICY_DESTRUCTIVE_ON ?
		       "yes" : "no");
	}
	return 0;
}

/* Splits "0,4,20" into numbers; returns how many, or -1 after an error. */
int cli_parse_list(const char *opt, const char *s, unsigned int *out,
		   int max)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;
	int n = 0;

	if (!copy)
		return cli_error("out of memory.");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, &end, 10);

		if (!isdigit((unsigned char)*tok) || *end || v > 0xffffffffUL) {
			cli_error("-%s takes numbers separated by commas; '%s' is not one.",
				  opt, tok);
			free(copy);
			return -1;
		}
		if (n == max) {
			cli_error("-%s lists at most %d numbers.", opt, max);
			free(copy);
			return -1;
		}
		out[n++] = (unsigned int)v;
	}
	free(copy);
	if (!n)
		return cli_error("-%s needs at least one number.", opt);
	return n;
}

int cmd_partition_changepolicy(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args)
{
	struct clonedev_policy_change ch[CLONEDEV_POLICY_SET_MAX];
	unsigned int ids[CLONEDEV_POLICY_SET_MAX], vals[CLONEDEV_POLICY_SET_MAX];
	struct clonedev_policy_get pg;
	struct clonedev *cd;
	int n, nv, i, ret;

	n = cli_parse_list("policy", cli_opt(cmd, args, "policy"), ids,
			   CLONEDEV_POLICY_SET_MAX);
	if (n < 0)
		return -1;
	nv = cli_parse_list("value", cli_opt(cmd, args, "value"), vals,
			    CLONEDEV_POLICY_SET_MAX);
	if (nv < 0)
		return -1;
	if (n != nv)
		return cli_error("-policy lists %d number%s but -value %d; give one value for each policy.",
				 n, n == 1 ? "" : "s", nv);
	if (read_policies(cli, cmd, args, &cd, &pg))
		return -1;
	for (i = 0; i < n; i++) {
		const struct clonedev_policy_entry *e = find(&pg, ids[i]);

		if (!e)
			return cli_error("%u is not a partition policy number; 'partition showpolicies' lists them.",
					 ids[i]);
		if (vals[i] < e->min || vals[i] > e->max)
			return cli_error("policy %u (%s) takes values from %u to %u, not %u.",
					 ids[i], clonedev_policy_name(ids[i]),
					 e->min, e->max, vals[i]);
		ch[i].id = ids[i];
		ch[i].value = vals[i];
	}
	if (final_value(&pg, ch, n, CLONEDEV_POLICY_PRIVATE_CLONING) &&
	    final_value(&pg, ch, n, CLONEDEV_POLICY_PRIVATE_WRAPPING))
		return cli_error("policies 0 (Allow private key cloning) and 1 (Allow private key wrapping) cannot both be 1; turn policy 0 off first, or in the same change.");
	ret = clonedev_policy_set(cd, ch, n, cli_flag(cmd, args, "force"));
	switch (-ret) {
	case 0:
		if (!cli_json(cli))
			for (i = 0; i < n; i++)
				printf("Policy %u (%s) is now %u.\n", ids[i],
				       clonedev_policy_name(ids[i]), vals[i]);
		return 0;
	case EACCES:
		return cli_error("changing policies: only the po may; log in with 'role login -name po'.");
	case EDOM:
		return cli_error("changing policies: policy 44 must stay 1 while the partition has more than one cloning domain; delete the extra domains first.");
	case ECANCELED:
		return cli_error("changing policies: turning this policy on destroys every object in the partition; add -force to do it.");
	case EINVAL:
		return cli_error("changing policies: a policy number is repeated; give each once.");
	}
	return cli_errno(cli, ret, "changing policies");
}
