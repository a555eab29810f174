// SPDX-License-Identifier: GPL-2.0
/*
 * HSM-wide state: the lock, the table of partitions, FIPS mode and the
 * cipher suites the kernel provides; a partition looked up in the table,
 * and the rule for labels. Nothing here calls into another file of the
 * module: every other file builds on it.
 */
#include <linux/ctype.h>
#include <linux/string.h>

#include "hsm.h"
#include "partition.h"
#include "suite.h"

struct cld_hsm cld_hsm;

int cld_hsm_init(bool fips)
{
	mutex_init(&cld_hsm.lock);
	xa_init_flags(&cld_hsm.partitions, XA_FLAGS_ALLOC1);
	cld_hsm.partition_count = 0;
	cld_hsm.fips = fips;
	cld_hsm.suites = cld_suites_probe();
	get_random_bytes(&cld_hsm.ouid_key, sizeof(cld_hsm.ouid_key));
	return 0;
}

void cld_hsm_uninit(void)
{
	xa_destroy(&cld_hsm.partitions);
	mutex_destroy(&cld_hsm.lock);
}

/*
 * The partition in @slot if it is still the one with @serial (a deleted
 * and re-created slot is another partition). Must hold cld_hsm.lock.
 */
struct cld_partition *cld_hsm_partition(u32 slot, u64 serial)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, slot);
	return p && p->serial == serial ? p : NULL;
}

/*
 * The one rule for every label (partition, domain, object): 1 to
 * CLD_LABEL_MAX printable characters.
 */
bool cld_label_ok(const char *label)
{
	size_t i, len = strlen(label);

	if (len < 1 || len > CLD_LABEL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isprint(label[i]))
			return false;
	return true;
}

/*
 * A label field of a request (char[CLONEDEV_LABEL_LEN]): NUL-terminated
 * inside the field, and a label by cld_label_ok(), or empty if
 * @may_be_empty.
 */
bool cld_label_field_ok(const char *field, bool may_be_empty)
{
	size_t len = strnlen(field, CLONEDEV_LABEL_LEN);

	if (len == CLONEDEV_LABEL_LEN)
		return false;
	return len ? cld_label_ok(field) : may_be_empty;
}
