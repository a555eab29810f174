// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An example libclonedev application: signs a file with an EC P-256 key
 * of the HSM (ECDSA with SHA-256), checks the signature, and prints it in
 * hex (r || s).
 *
 *   CLONEDEV_PASSWORD=cu-password ./sign SLOT LABEL FILE
 *
 * It logs in as the cu of SLOT, finds the private key labelled LABEL and
 * streams FILE through the multi-part calls, so a file of any size works.
 * The key's public half (if the partition has one) checks the signature.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libclonedev.h>

#define CHUNK 65536

/*
 * Starts a multi-part ECDSA with SHA-256 (@op: sign or verify) with @key
 * and feeds it @f; the caller finishes it.
 */
static int stream(struct clonedev *cd, unsigned int op, unsigned int key,
		  FILE *f, unsigned char *buf)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_ECDSA,
		.hash = CLONEDEV_HASH_SHA256,
	};
	size_t n;
	int ret;

	ret = clonedev_crypt_init(cd, op, key, &p);
	if (ret)
		return ret;
	rewind(f);
	while ((n = fread(buf, 1, CHUNK, f)) > 0) {
		ret = clonedev_crypt_update(cd, buf, n, NULL, 0, NULL);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	if (ret)
		clonedev_crypt_abort(cd);
	return ret;
}

int main(int argc, char **argv)
{
	const char *password = getenv("CLONEDEV_PASSWORD");
	unsigned char sig[CLONEDEV_SIG_MAX], *buf = NULL;
	unsigned int key, pub;
	struct clonedev *cd = NULL;
	size_t sig_len, i;
	FILE *f = NULL;
	int ret;

	if (argc != 4 || !password) {
		fprintf(stderr, "usage: CLONEDEV_PASSWORD=PW %s SLOT LABEL FILE\n",
			argv[0]);
		return 2;
	}
	ret = clonedev_open_login(&cd, (unsigned int)strtoul(argv[1], NULL, 10),
				  CLONEDEV_ROLE_CU, password);
	if (ret) {
		fprintf(stderr, "sign: opening slot %s as cu: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	ret = clonedev_find_key(cd, argv[2], NULL, 0,
				CLONEDEV_CLASS_PRIVATE_KEY, &key);
	if (ret) {
		fprintf(stderr, "sign: finding the private key '%s': %s\n",
			argv[2], ret == -ENOTUNIQ ? "more than one" :
			strerror(-ret));
		goto out;
	}
	/* Verify with the public half; a key imported alone has none. */
	if (clonedev_find_key(cd, argv[2], NULL, 0, CLONEDEV_CLASS_PUBLIC_KEY,
			      &pub))
		pub = key;
	f = fopen(argv[3], "rb");
	buf = malloc(CHUNK);
	if (!f || !buf) {
		ret = -errno;
		fprintf(stderr, "sign: %s: %s\n", argv[3], strerror(errno));
		goto out;
	}
	ret = stream(cd, CLONEDEV_CRYPT_SIGN, key, f, buf);
	if (!ret)
		ret = clonedev_crypt_final(cd, NULL, 0, sig, CLONEDEV_SIG_MAX,
					   &sig_len);
	if (ret) {
		fprintf(stderr, "sign: signing: %s\n", strerror(-ret));
		goto out;
	}
	ret = stream(cd, CLONEDEV_CRYPT_VERIFY, pub, f, buf);
	if (!ret)
		ret = clonedev_verify_final(cd, NULL, 0, sig, sig_len);
	if (ret) {
		fprintf(stderr, "sign: the signature does not verify: %s\n",
			strerror(-ret));
		goto out;
	}
	for (i = 0; i < sig_len; i++)
		printf("%02x", sig[i]);
	printf("\n");
out:
	free(buf);
	if (f)
		fclose(f);
	clonedev_close(cd);
	return ret ? 1 : 0;
}
