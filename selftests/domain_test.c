// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: cloning domain management over ioctl: list with
 * fingerprints, add (policy 44, three at most, unique labels), delete (not
 * the last), relabel and the primary mark; only the po; every rejection's
 * errno with nothing changed.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

FIXTURE(dom)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

FIXTURE_SETUP(dom)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "domains", &self->cd,
			&self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, TEST_PO));
}

FIXTURE_TEARDOWN(dom)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

static void ext_domains(struct __test_metadata *_metadata,
			struct clonedev *cd, unsigned int on)
{
	struct clonedev_policy_change c = {
		.id = CLONEDEV_POLICY_EXTENDED_DOMAINS, .value = on,
	};

	ASSERT_EQ(0, clonedev_policy_set(cd, &c, 1, 0));
}

/* The labels in order, primary first, as "a,b,c". */
static void labels(struct clonedev *cd, char *out)
{
	struct clonedev_domain_list l;
	unsigned int i;

	*out = '\0';
	if (clonedev_domain_list(cd, &l))
		return;
	for (i = 0; i < l.count; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, l.domains[i].label);
	}
}

TEST_F(dom, list_after_init)
{
	struct clonedev_domain_list l;

	ASSERT_EQ(0, clonedev_domain_list(self->cd, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_STREQ("dom", l.domains[0].label);
	EXPECT_EQ(1, l.domains[0].primary);
	EXPECT_EQ(CLONEDEV_DOMAIN_TEXT, l.domains[0].type);
}

TEST_F(dom, same_secret_same_fingerprint)
{
	struct clonedev_domain_list a, b;
	struct clonedev *other;
	unsigned int slot;

	/* A second partition with the same secret under another label. */
	setup_partition(_metadata, self->nl, "other", &other, &slot);
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_PO, TEST_PO));
	ext_domains(_metadata, other, 1);
	ASSERT_EQ(0, clonedev_domain_change(other, "dom", "copy", 0));
	ASSERT_EQ(0, clonedev_domain_add(other, "else", "e", 0));
	/* A partition holds a secret once, whatever the label. */
	EXPECT_NERR(EALREADY, clonedev_domain_add(other, "again", "d", 0));
	ASSERT_EQ(0, clonedev_domain_list(self->cd, &a));
	ASSERT_EQ(0, clonedev_domain_list(other, &b));
	ASSERT_EQ(2, b.count);
	EXPECT_STREQ("copy", b.domains[0].label);
	EXPECT_EQ(0, b.domains[1].primary);
	EXPECT_EQ(0, memcmp(a.domains[0].fingerprint, b.domains[0].fingerprint,
			    CLONEDEV_FINGERPRINT_LEN));
	EXPECT_NE(0, memcmp(a.domains[0].fingerprint, b.domains[1].fingerprint,
			    CLONEDEV_FINGERPRINT_LEN));
	clonedev_close(other);
}

TEST_F(dom, add_needs_policy_44)
{
	char l[128];

	EXPECT_NERR(EPERM, clonedev_domain_add(self->cd, "two", "s2", 0));
	labels(self->cd, l);
	EXPECT_STREQ("dom", l);
	ext_domains(_metadata, self->cd, 1);
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "two", "s2", 0));
	labels(self->cd, l);
	EXPECT_STREQ("dom,two", l);
}

TEST_F(dom, three_at_most_unique_labels)
{
	char l[128];

	ext_domains(_metadata, self->cd, 1);
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "two", "s2", 0));
	EXPECT_NERR(EEXIST, clonedev_domain_add(self->cd, "two", "x", 0));
	EXPECT_NERR(EEXIST, clonedev_domain_add(self->cd, "dom", "x", 0));
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "three", "s3", 1));
	labels(self->cd, l);
	EXPECT_STREQ("three,dom,two", l);
	EXPECT_NERR(ENOSPC, clonedev_domain_add(self->cd, "four", "s4",
						0));
	labels(self->cd, l);
	EXPECT_STREQ("three,dom,two", l);
}

TEST_F(dom, add_rejections)
{
	struct clonedev_domain_add a = { .size = sizeof(a) };
	char secret[130], l[128];

	ext_domains(_metadata, self->cd, 1);
	memset(secret, 'x', sizeof(secret));
	secret[129] = '\0';
	EXPECT_NERR(EINVAL, clonedev_domain_add(self->cd, "long",
						secret, 0));
	secret[128] = '\0';
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "long", secret, 0));
	EXPECT_NERR(EINVAL, clonedev_domain_add(self->cd, "", "s", 0));
	EXPECT_NERR(EINVAL, clonedev_domain_add(self->cd, "empty", "",
						0));
	strcpy(a.label, "flags");
	a.secret = (uintptr_t)"s";
	a.secret_len = 1;
	a.flags = 4;	/* 1 and 2 are known */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_DOMAIN_ADD, &a));
	a.flags = 0;
	a.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_DOMAIN_ADD, &a));
	a.__reserved = 0;
	a.secret = 8;
	EXPECT_ERRNO(EFAULT, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_DOMAIN_ADD, &a));
	labels(self->cd, l);
	EXPECT_STREQ("dom,long", l);
}

TEST_F(dom, delete_not_the_last)
{
	char l[128];

	EXPECT_NERR(EBUSY, clonedev_domain_delete(self->cd, "dom"));
	EXPECT_NERR(ENOENT, clonedev_domain_delete(self->cd, "none"));
	ext_domains(_metadata, self->cd, 1);
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "two", "s2", 0));
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "three", "s3", 0));
	/* Deleting the primary makes the next one the primary. */
	ASSERT_EQ(0, clonedev_domain_delete(self->cd, "dom"));
	labels(self->cd, l);
	EXPECT_STREQ("two,three", l);
	ASSERT_EQ(0, clonedev_domain_delete(self->cd, "three"));
	EXPECT_NERR(EBUSY, clonedev_domain_delete(self->cd, "two"));
	labels(self->cd, l);
	EXPECT_STREQ("two", l);
}

TEST_F(dom, change_label_and_primary)
{
	char l[128];

	ext_domains(_metadata, self->cd, 1);
	ASSERT_EQ(0, clonedev_domain_add(self->cd, "two", "s2", 0));
	ASSERT_EQ(0, clonedev_domain_change(self->cd, "two", "second", 0));
	labels(self->cd, l);
	EXPECT_STREQ("dom,second", l);
	ASSERT_EQ(0, clonedev_domain_change(self->cd, "second", NULL, 1));
	labels(self->cd, l);
	EXPECT_STREQ("second,dom", l);
	ASSERT_EQ(0, clonedev_domain_change(self->cd, "dom", "first", 1));
	labels(self->cd, l);
	EXPECT_STREQ("first,second", l);
	EXPECT_NERR(EEXIST, clonedev_domain_change(self->cd, "first",
						   "second", 0));
	EXPECT_NERR(ENOENT, clonedev_domain_change(self->cd, "none",
						   "x", 0));
	EXPECT_NERR(EINVAL, clonedev_domain_change(self->cd, "first",
						   NULL, 0));
	labels(self->cd, l);
	EXPECT_STREQ("first,second", l);
}

TEST_F(dom, po_only)
{
	struct clonedev_domain_list l;

	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_NERR(EACCES, clonedev_domain_list(self->cd, &l));
	EXPECT_NERR(EACCES, clonedev_domain_add(self->cd, "x", "s", 0));
	EXPECT_NERR(EACCES, clonedev_domain_delete(self->cd, "dom"));
	EXPECT_NERR(EACCES, clonedev_domain_change(self->cd, "dom", "x",
						   0));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, clonedev_domain_list(self->cd, &l));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_domain_list(self->cd, &l));
	EXPECT_EQ(1, l.count);
	EXPECT_STREQ("dom", l.domains[0].label);
}

TEST_HARNESS_MAIN
