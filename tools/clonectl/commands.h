/* SPDX-License-Identifier: GPL-2.0 */
/* clonectl: the command handlers, one file per command group. */
#ifndef CLONECTL_COMMANDS_H
#define CLONECTL_COMMANDS_H

#include "cli.h"

int cmd_hsm_show(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args);
int cmd_slot_list(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args);
int cmd_partition_show(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_partition_create(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args);
int cmd_partition_delete(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args);
int cmd_slot_set(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args);
int cmd_partition_init(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_role_login(struct cli *cli, const struct command *cmd,
		   const struct cmd_args *args);
int cmd_role_logout(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_role_init(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args);
int cmd_role_changepw(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
int cmd_role_show(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args);
int cmd_partition_showpolicies(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args);
int cmd_partition_changepolicy(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args);
int cmd_object_generate(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args);
int cmd_partition_domainlist(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args);
int cmd_partition_domainadd(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args);
int cmd_partition_domaindelete(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args);
int cmd_partition_domainchangelabel(struct cli *cli, const struct command *cmd,
				    const struct cmd_args *args);
int cmd_partition_ciphershow(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args);
int cmd_peer(struct cli *cli, const struct command *cmd,
	     const struct cmd_args *args);
int cmd_partition_clone(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args);
int cmd_partition_cipherenable(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args);
int cmd_partition_cipherdisable(struct cli *cli, const struct command *cmd,
				const struct cmd_args *args);
int cmd_role_setchallenge(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args);
int cmd_partition_activate(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args);
int cmd_partition_deactivate(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args);
int cmd_object_import(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
int cmd_object_find(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_object_create(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
int cmd_object_destroy(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_object_show(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_partition_contents(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args);
int cmd_object_encrypt(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_object_decrypt(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_object_sign(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_object_verify(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
int cmd_object_derive(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
int cmd_object_wrap(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_object_unwrap(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args);
/*
 * The groups of the HA group file @path as the hagroup commands read it
 * (cmd_hagroup.c), in the library's form, into *@out (free() it): their
 * number, or -EBADMSG (the error printed) or -ENOMEM. The hagroup fuzzer
 * compares it with clonedev_ha_groups().
 */
int cli_hagroup_read(const char *path, struct clonedev_ha_group **out);
/*
 * Option values (the clivalues fuzzer calls these). Each returns 0 with
 * the value set, or -1 after printing its error:
 * cli_parse_quorum()  -quorum M/N, 1 <= M <= N <= 16 (cmd_quorum.c);
 * cli_parse_hex()     up to @max bytes of hex, *@len the count, and
 * cli_uint_opt()      a number from @lo to @hi (cmd_crypto.c);
 * cli_hex_id()        -id, up to 64 bytes of hex; NULL is none, and
 * cli_generate_sizes() -keytype, -bits and -count of "object generate"
 *                     (cmd_object.c);
 * cli_parse_list()    numbers separated by commas, at most @max: their
 *                     count, or -1 (cmd_policy.c);
 * cli_parse_port()    -port 1..65535; NULL is the default (cmd_ped.c).
 */
int cli_parse_quorum(const char *s, unsigned int *m, unsigned int *n);
int cli_parse_hex(const char *opt, const char *hex, unsigned char *out,
		  size_t max, size_t *len);
int cli_uint_opt(const char *opt, const char *s, unsigned int lo,
		 unsigned int hi, unsigned int *v);
int cli_hex_id(const char *hex, unsigned char *id, unsigned int *len);
int cli_generate_sizes(const char *type, const char *bits_s,
		       const char *count_s, unsigned int *kt,
		       unsigned int *bits, unsigned int *count);
int cli_parse_list(const char *opt, const char *s, unsigned int *out,
		   int max);
int cli_parse_port(const char *s, unsigned int *port);
/* Shared by the object and key-use commands (cmd_object.c, cmd_role.c). */
int cli_handle(const char *s, unsigned int *h);
int cli_print_new_key(struct cli *cli, struct clonedev *cd, const char *verb,
		      unsigned int h, unsigned int pub);
int cli_login_error(struct cli *cli, int err, unsigned int role);
int cli_session_slot(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args, struct clonedev **cd);
int cli_show_contents(struct cli *cli, struct clonedev *cd);
int cli_slot_number(const char *s, unsigned int *slot);
int cmd_ped_connect(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args);
int cmd_ped_disconnect(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_ped_show(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args);
int cmd_ped_vector_init(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args);
int cmd_ped_vector_erase(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args);
int cmd_archive_backup(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_archive_restore(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args);
int cmd_archive_list(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args);
int cmd_archive_contents(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args);
int cmd_hagroup_create(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_hagroup_delete(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args);
int cmd_hagroup_addmember(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args);
int cmd_hagroup_removemember(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args);
int cmd_hagroup_addstandby(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args);
int cmd_hagroup_removestandby(struct cli *cli, const struct command *cmd,
			      const struct cmd_args *args);
int cmd_hagroup_list(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args);
int cmd_hagroup_synchronize(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args);
int cmd_exit(struct cli *cli, const struct command *cmd,
	     const struct cmd_args *args);

#endif /* CLONECTL_COMMANDS_H */
