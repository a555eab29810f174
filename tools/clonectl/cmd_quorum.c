// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: quorum secrets as share files, for "partition init -quorum",
 * "role init -quorum", "role login -sharefiles|-sharedir" and "partition
 * domainadd -domainshares". The kernel makes each secret and hands out its
 * shares once; clonectl writes them to files (one per custodian, like the
 * PED keys of a Luna HSM) and later reads M of them back for the kernel to
 * combine. Every file is checked first, so a damaged, foreign, repeated
 * or missing share gets its own error before the kernel sees anything.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

#define MAX_FILES	64

/* One of the two numbers of "M/N" at @s: at most 9 digits, then @stop. */
static bool quorum_number(const char *s, char stop, unsigned int *v,
			  const char **next)
{
	size_t len = strspn(s, "0123456789");

	if (!len || len > 9 || s[len] != stop)
		return false;
	*v = (unsigned int)strtoul(s, NULL, 10);
	*next = s + len + 1;
	return true;
}

/* Parses "M/N": decimal digits only, 1 <= M <= N <= 16. */
int cli_parse_quorum(const char *s, unsigned int *m, unsigned int *n)
{
	const char *p;

	if (!quorum_number(s, '/', m, &p) || !quorum_number(p, '\0', n, &p) ||
	    !*m || *m > *n || *n > CLONEDEV_QUORUM_MAX)
		return cli_error("-quorum takes M/N with 1 <= M <= N <= 16, such as 2/3; '%s' is not that.",
				 s);
	return 0;
}

/* The serial and label of the session's partition. */
static int identity(struct cli *cli, struct clonedev *cd,
		    struct clonedev_slot *slot)
{
	struct clonedev_session_info si;
	struct clonedev_nl *nl;
	int ret;

	ret = clonedev_session_info(cd, &si);
	if (!ret && !si.slot)
		ret = -ENODEV;
	if (!ret && cli_nl(cli, &nl))
		return CLI_REPORTED;
	if (!ret)
		ret = clonedev_nl_slot_get(nl, si.slot, slot);
	if (ret == -ENODEV)
		cli_error("no slot is selected; choose one with 'slot set -slot N'.");
	else if (ret)
		cli_errno(cli, ret, "reading the slot");
	return ret ? CLI_REPORTED : 0;
}

/*
 * Makes sure share files can be written to @dir (created, mode 0700, if
 * missing) before the kernel makes a secret whose shares would be lost.
 */
static int prepare_dir(const char *dir)
{
	if (!dir) {
		cli_error("-quorum needs -sharedir, where the share files go.");
		return CLI_REPORTED;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		cli_error("cannot create the share directory '%s': %s.", dir,
			  strerror(errno));
		return CLI_REPORTED;
	}
	if (access(dir, W_OK | X_OK)) {
		cli_error("cannot write share files in '%s': %s.", dir,
			  strerror(errno));
		return CLI_REPORTED;
	}
	return 0;
}

/* Refuses to go on if a share file of @sf's set is in @dir already. */
static int check_free(const char *dir, struct clonedev_sharefile *sf)
{
	char path[4096];
	unsigned int i;

	for (i = 1; i <= sf->n; i++) {
		sf->share.index = i;
		if (clonedev_sharefile_path(dir, sf, path, sizeof(path)) ||
		    !access(path, F_OK)) {
			cli_error("'%s' exists already; move the old share files away first.",
				  path);
			return CLI_REPORTED;
		}
	}
	sf->share.index = 0;
	return 0;
}

/* Writes @n shares of one secret; prints the files. */
static int write_set(struct cli *cli, const char *dir,
		     struct clonedev_sharefile *sf,
		     const struct clonedev_share *shares, unsigned int n)
{
	char path[4096];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		sf->share = shares[i];
		ret = clonedev_sharefile_write(dir, sf, path, sizeof(path));
		if (ret)
			cli_error("writing a share file in '%s': %s.", dir,
				  strerror(-ret));
		else if (!cli_json(cli))
			printf("  %s\n", path);
	}
	explicit_bzero(&sf->share, sizeof(sf->share));
	return ret ? CLI_REPORTED : 0;
}

int cli_quorum_partition_init(struct cli *cli, struct clonedev *cd,
			      const char *label, const char *domain_label,
			      const char *quorum, const char *dir)
{
	struct clonedev_sharefile sf = { 0 };
	struct clonedev_share shares[2 * CLONEDEV_QUORUM_MAX];
	unsigned char fingerprint[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_slot slot;
	unsigned int m, n;
	int ret;

	if (cli_parse_quorum(quorum, &m, &n))
		return CLI_REPORTED;
	/* No directory: the connected PED server stores the shares. */
	if (!dir) {
		ret = cli_ped_partition_init(cli, cd, label, domain_label, m,
					     n);
		if (ret != -ENOTCONN)
			return ret;
		cli_error("-quorum needs -sharedir, where the share files go, or a PED server that stores them ('ped connect' in the clonectl shell).");
		return CLI_REPORTED;
	}
	if (prepare_dir(dir))
		return CLI_REPORTED;
	ret = identity(cli, cd, &slot);
	if (ret)
		return ret;
	sf.serial = slot.serial;
	snprintf(sf.partition, sizeof(sf.partition), "%s",
		 *label ? label : slot.label);
	sf.m = m;
	sf.n = n;
	strcpy(sf.kind, "po");
	if (check_free(dir, &sf))
		return CLI_REPORTED;
	strcpy(sf.kind, "domain");
	snprintf(sf.domain_label, sizeof(sf.domain_label), "%s", domain_label);
	if (check_free(dir, &sf))
		return CLI_REPORTED;
	sf.domain_label[0] = '\0';
	ret = clonedev_partition_init_quorum(cd, label, domain_label, m, n,
					     shares, fingerprint);
	if (ret)
		goto out;
	if (!cli_json(cli))
		printf("Partition initialized: label '%s', quorum primary cloning domain '%s'.\nThe po secret: %u shares, any %u of them log in:\n",
		       sf.partition, domain_label, n, m);
	strcpy(sf.kind, "po");
	ret = write_set(cli, dir, &sf, shares, n);
	if (ret)
		goto out;
	if (!cli_json(cli))
		printf("The domain '%s': %u shares, any %u of them import it elsewhere:\n",
		       domain_label, n, m);
	strcpy(sf.kind, "domain");
	strcpy(sf.domain_label, domain_label);
	memcpy(sf.fingerprint, fingerprint, sizeof(fingerprint));
	ret = write_set(cli, dir, &sf, shares + n, n);
out:
	explicit_bzero(shares, sizeof(shares));
	return ret;
}

/*
 * A new set of share files of @kind for the session's partition: @quorum
 * parsed, @dir ready and none of the files there yet. Fills @sf (and
 * @slot); returns 0, CLI_REPORTED, or a -errno for the caller to report.
 */
static int new_set(struct cli *cli, struct clonedev *cd, const char *kind,
		   const char *quorum, const char *dir,
		   struct clonedev_sharefile *sf, struct clonedev_slot *slot)
{
	int ret;

	memset(sf, 0, sizeof(*sf));
	if (cli_parse_quorum(quorum, &sf->m, &sf->n) || prepare_dir(dir))
		return CLI_REPORTED;
	ret = identity(cli, cd, slot);
	if (ret)
		return ret;
	sf->serial = slot->serial;
	strcpy(sf->partition, slot->label);
	strcpy(sf->kind, kind);
	return check_free(dir, sf) ? CLI_REPORTED : 0;
}

int cli_quorum_role_init(struct cli *cli, struct clonedev *cd,
			 unsigned int role, const char *quorum,
			 const char *dir)
{
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	struct clonedev_sharefile sf;
	struct clonedev_slot slot;
	int ret;

	/* No directory: the connected PED server stores the shares. */
	if (!dir) {
		if (cli_parse_quorum(quorum, &sf.m, &sf.n))
			return CLI_REPORTED;
		ret = cli_ped_role_init(cli, cd, role, sf.m, sf.n);
		if (ret != -ENOTCONN)
			return ret;
		cli_error("-quorum needs -sharedir, where the share files go, or a PED server that stores them ('ped connect' in the clonectl shell).");
		return CLI_REPORTED;
	}
	ret = new_set(cli, cd, clonedev_role_name(role), quorum, dir, &sf,
		      &slot);
	if (ret)
		return ret;
	ret = clonedev_role_init_quorum(cd, role, sf.m, sf.n, shares);
	if (!ret) {
		if (!cli_json(cli))
			printf("The %s role is initialized: %u shares, any %u of them log in:\n",
			       clonedev_role_name(role), sf.n, sf.m);
		ret = write_set(cli, dir, &sf, shares, sf.n);
	}
	explicit_bzero(shares, sizeof(shares));
	return ret;
}

int cli_quorum_vector_init(struct cli *cli, struct clonedev *cd,
			   const char *quorum, const char *dir)
{
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	unsigned char id[CLONEDEV_PED_RPV_ID_LEN];
	struct clonedev_sharefile sf;
	struct clonedev_slot slot;
	int ret;

	ret = new_set(cli, cd, "rpv", quorum, dir, &sf, &slot);
	if (ret)
		return ret;
	ret = clonedev_ped_vector_init(cd, sf.m, sf.n, shares, id);
	if (!ret) {
		char hex[2 * CLONEDEV_PED_RPV_ID_LEN + 1];
		unsigned int i;

		memcpy(sf.fingerprint, id, sizeof(id));
		for (i = 0; i < sizeof(id); i++)
			sprintf(hex + 2 * i, "%02x", id[i]);
		if (!cli_json(cli))
			printf("The remote PED vector of slot %u is made (id %s): %u shares, any %u of them start a PED server for this partition (clonedev-pedserver -rpv F1,F2,...):\n",
			       slot.slot, hex, sf.n, sf.m);
		ret = write_set(cli, dir, &sf, shares, sf.n);
	}
	explicit_bzero(shares, sizeof(shares));
	return ret;
}

/* Splits "a,b,c" (or lists DIR's *.share files) into @paths. */
static int file_list(const char *files, const char *dir, char **paths,
		     unsigned int *count)
{
	struct dirent *e;
	DIR *d;

	*count = 0;
	if (files) {
		char *copy = strdup(files), *tok, *save = NULL;

		if (!copy)
			return cli_error("out of memory.");
		for (tok = strtok_r(copy, ",", &save); tok && *count < MAX_FILES;
		     tok = strtok_r(NULL, ",", &save))
			paths[(*count)++] = strdup(tok);
		free(copy);
		return 0;
	}
	d = opendir(dir);
	if (!d)
		return cli_error("cannot read the share directory '%s': %s.",
				 dir, strerror(errno));
	while ((e = readdir(d)) && *count < MAX_FILES) {
		size_t len = strlen(e->d_name);

		if (len > 6 && !strcmp(e->d_name + len - 6, ".share") &&
		    asprintf(&paths[*count], "%s/%s", dir, e->d_name) > 0)
			(*count)++;
	}
	closedir(d);
	return 0;
}

static void free_list(char **paths, unsigned int count)
{
	while (count)
		free(paths[--count]);
}

/*
 * Reads the shares of one secret: @kind's, of partition @serial unless
 * it is 0. From a directory, files that are not for it are passed over.
 * *first gets the first file's header.
 */
static int read_set(const char *files, const char *dir, const char *kind,
		    unsigned long long serial, struct clonedev_share *out,
		    unsigned int *count, struct clonedev_sharefile *first)
{
	char *paths[MAX_FILES], *seen[CLONEDEV_QUORUM_MAX + 1] = { NULL };
	struct clonedev_sharefile sf;
	unsigned int n, i, k = 0;
	int ret = 0;

	if (file_list(files, dir, paths, &n))
		return CLI_REPORTED;
	for (i = 0; i < n && !ret && (!k || k < first->m); i++) {
		ret = clonedev_sharefile_read(paths[i], &sf);
		if (ret == -EBADMSG) {
			ret = cli_error("'%s' is not a share file, or it is damaged (its check does not match).",
					paths[i]);
			break;
		}
		if (ret) {
			ret = cli_error("cannot read '%s': %s.", paths[i],
					strerror(-ret));
			break;
		}
		if (strcmp(sf.kind, kind) || (serial && sf.serial != serial)) {
			if (dir)
				continue;
			if (strcmp(sf.kind, kind))
				ret = cli_error("'%s' is a %s share, not a %s share.",
						paths[i], sf.kind, kind);
			else
				ret = cli_error("'%s' belongs to partition '%s' (serial %llu), not to this one.",
						paths[i], sf.partition,
						sf.serial);
			break;
		}
		if (k && (sf.m != first->m || sf.n != first->n ||
			  sf.serial != first->serial ||
			  memcmp(sf.fingerprint, first->fingerprint,
				 sizeof(sf.fingerprint)))) {
			ret = cli_error("'%s' and '%s' are shares of different secrets.",
					seen[out[0].index], paths[i]);
			break;
		}
		if (seen[sf.share.index]) {
			if (dir)
				continue;
			ret = cli_error("'%s' and '%s' are the same share (%u of %u).",
					seen[sf.share.index], paths[i],
					sf.share.index, sf.n);
			break;
		}
		if (!k)
			*first = sf;
		seen[sf.share.index] = paths[i];
		out[k++] = sf.share;
	}
	explicit_bzero(&sf, sizeof(sf));
	if (!ret && !k)
		ret = cli_error("no %s share file was found in %s.", kind,
				files ? "the files given" : dir);
	else if (!ret && k < first->m)
		ret = cli_error("the %s secret needs %u of its %u shares; %u %s given.",
				kind, first->m, first->n, k,
				k == 1 ? "was" : "were");
	free_list(paths, n);
	*count = k;
	if (ret)
		explicit_bzero(out, CLONEDEV_QUORUM_MAX * sizeof(*out));
	return ret ? CLI_REPORTED : 0;
}

int cli_quorum_login(struct cli *cli, struct clonedev *cd, unsigned int role,
		     const char *files, const char *dir)
{
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	struct clonedev_sharefile first;
	struct clonedev_slot slot;
	unsigned int k;
	int ret;

	ret = identity(cli, cd, &slot);
	if (!ret)
		ret = read_set(files, dir, clonedev_role_name(role),
			       slot.serial, shares, &k, &first);
	if (!ret)
		ret = clonedev_login_shares(cd, role, shares, k);
	explicit_bzero(shares, sizeof(shares));
	return ret;
}

int cli_quorum_domain_import(struct cli *cli, struct clonedev *cd,
			     const char *label, const char *files,
			     int primary)
{
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	struct clonedev_sharefile first;
	unsigned int k;
	int ret;

	ret = read_set(files, NULL, "domain", 0, shares, &k, &first);
	if (!ret)
		ret = clonedev_domain_import(cd, label, first.fingerprint,
					     shares, k, primary);
	explicit_bzero(shares, sizeof(shares));
	explicit_bzero(&first, sizeof(first));
	return ret;
}

int cli_login_any(struct cli *cli, struct clonedev *cd, unsigned int role,
		  const char *what, const char *password, const char *files,
		  const char *dir)
{
	char pw[CLI_SECRET_MAX], prompt[80];
	struct clonedev_slot slot;
	struct stat st;
	int ret;

	if (files || dir)
		return cli_quorum_login(cli, cd, role, files, dir);
	/* A slot connected to its PED server takes the shares from it. */
	if (!password && cli_ped_of(cli, cd))
		return cli_ped_login(cli, cd, role, what);
	if (!password) {
		ret = identity(cli, cd, &slot);
		if (ret)
			return ret;
		if (slot.auth == CLONEDEV_AUTH_QUORUM && cli_ped_has_rpv(cd) &&
		    cd == cli->cd && cli_ped_kept(cli, slot.slot)) {
			cli_error("logging in: slot %u's PED connection belongs to the session 'partition clone -slot %u' uses, not to this one; run 'ped connect' to connect this one too, or give -sharefiles F1,F2,... or -sharedir DIR.",
				  slot.slot, slot.slot);
			return CLI_REPORTED;
		}
		if (slot.auth == CLONEDEV_AUTH_QUORUM && cli_ped_has_rpv(cd)) {
			cli_error("logging in: slot %u is not connected to its PED server (the partition has a remote PED vector); run 'ped connect -slot %u' in the clonectl shell, or give -sharefiles F1,F2,... or -sharedir DIR.",
				  slot.slot, slot.slot);
			return CLI_REPORTED;
		}
		if (slot.auth == CLONEDEV_AUTH_QUORUM) {
			char answer[4096];

			/* A quorum role's credential: its share files. */
			snprintf(prompt, sizeof(prompt),
				 "%s share files (F1,F2,... or a directory)",
				 what ?: clonedev_role_name(role));
			if (cli_answer(prompt, "sharefiles", answer,
				       sizeof(answer)))
				return CLI_REPORTED;
			if (!stat(answer, &st) && S_ISDIR(st.st_mode))
				return cli_quorum_login(cli, cd, role, NULL,
							answer);
			return cli_quorum_login(cli, cd, role, answer, NULL);
		}
	}
	snprintf(prompt, sizeof(prompt), "%s%spassword", what ?: "",
		 what ? " " : "");
	if (cli_secret(cli, password, prompt, pw, sizeof(pw)))
		return CLI_REPORTED;
	ret = clonedev_login(cd, role, pw);
	cli_wipe(pw, sizeof(pw));
	return ret;
}
