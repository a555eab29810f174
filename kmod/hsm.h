/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HSM as a whole: module-wide state shared by both planes (ioctl and
 * generic netlink): version, FIPS mode, cipher-suite availability and the
 * table of partitions.
 *
 * Lock ordering (outermost first), for every file of the module:
 *   cld_session.lock	one session's requests (session.h)
 *   cld_hsm.lock	the HSM, its partitions, objects and store (below)
 *   the TPM chip's locks	taken by the TPM core under cld_hsm.lock when
 *			the store anchors a commit (anchor.c, tpm.c)
 * Nothing takes cld_session.lock while holding cld_hsm.lock, and no two
 * sessions' locks are held together: a login shared from another session
 * (CLONEDEV_LOGIN_SHARE, role.c) reads that session under its lock,
 * releases it, then takes its own and cld_hsm.lock and checks again. A
 * clone's, an archive's, the key cache's and the remote PED channel's own
 * state are under their session's lock.
 *
 * Layers, top first: a file calls only into files of lower layers
 * (tools/scripts/layers checks the built module in make lint):
 *   main
 *   device, netlink	the two planes: dispatch, the sessions' files
 *   role		login, logout and the role requests
 *   archive, clone, domain, ops	archive files, cloning, cloning domains,
 *			a session's key state
 *   clone_kat, clone_partition, clone_wire, crypt, keyops, ped
 *			cloning's self-tests, partition side and messages;
 *			CRYPT; DERIVE, WRAP, UNWRAP, RANDOM; the remote PED
 *   clone_keys, keycache	cloning's key schedule; the session's keys
 *   mech		the mechanism table
 *   partition		the partition table, its load, init, policies
 *   object		objects of a partition
 *   policy, session	the policy table; a session's partition
 *   store		the sealed log
 *   anchor		its TPM anchor
 *   hsm		HSM-wide state
 *   rsa_gen		RSA key pair generation
 *   cred, keys		role credentials; key checks and transforms
 *   kex		ephemeral key agreement and AEAD sealing
 *   kdf, quorum, suite, ecdsa, rsa, kwp, spake2, tpm	primitives
 *   ecp		point arithmetic (ecdsa's)
 *   mont		Montgomery multiplication, limb sums (rsa's, ecp's)
 */
#ifndef _CLD_HSM_H
#define _CLD_HSM_H

#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <linux/clonedev.h>

#define CLD_VERSION		"0.1.0"
#define CLD_MAX_PARTITIONS	100
#define CLD_LABEL_MAX		32

#define CLD_STORE_DIR		"/var/lib/clonedev"

/* Cloning protocols implemented by this build's protocol engine. */
#define CLD_PROTOCOLS	(CLONEDEV_PROTO_CPV1 | CLONEDEV_PROTO_CPV3 | \
			 CLONEDEV_PROTO_CPV4)

struct netlink_ext_ack;

struct cld_hsm {
	/* Protects the members below, every partition and the store. */
	struct mutex lock;
	/* struct cld_partition by slot number. */
	struct xarray partitions;
	u32 partition_count;
	/* CPv4 suites whose algorithms the kernel crypto API provides. */
	u32 suites;
	bool fips;
	/* Keys the partitions' OUID hash tables (object.c); random. */
	siphash_key_t ouid_key;
};

extern struct cld_hsm cld_hsm;

struct cld_partition;

int cld_hsm_init(bool fips);
void cld_hsm_uninit(void);
struct cld_partition *cld_hsm_partition(u32 slot, u64 serial);
bool cld_label_ok(const char *label);
bool cld_label_field_ok(const char *field, bool may_be_empty);

#endif /* _CLD_HSM_H */
