/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two benches with a SoftHSMv2 path share: the clock, dying with
 * a message, loading a PKCS#11 module and logging in as the user of a
 * token just initialized. The file that includes this defines PROG, its
 * name for messages, first.
 */
#ifndef CLONEDEV_BENCH_P11_H
#define CLONEDEV_BENCH_P11_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void die(const char *what)
{
	fprintf(stderr, PROG ": %s\n", what);
	exit(1);
}

/* Exits on a PKCS#11 error, naming the function and the CKR code. */
static inline void ck(CK_RV rv, const char *fn)
{
	if (rv == CKR_OK)
		return;
	fprintf(stderr, PROG ": %s: CKR 0x%08lx\n", fn, (unsigned long)rv);
	exit(1);
}

/*
 * C_Initialize with the operating system's locking, so that the module
 * may be called from several threads at once.
 */
static inline void p11_initialize(CK_FUNCTION_LIST_PTR f)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };

	ck(f->C_Initialize(&args), "C_Initialize");
}

/*
 * dlopen()s the module at @path (its handle in *@lib) and initializes it;
 * exits on failure.
 */
static inline CK_FUNCTION_LIST_PTR p11_load(const char *path, void **lib)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f;

	*lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!*lib) {
		fprintf(stderr, PROG ": %s\n", dlerror());
		exit(1);
	}
	get = (CK_C_GetFunctionList)dlsym(*lib, "C_GetFunctionList");
	if (!get)
		die("the module has no C_GetFunctionList");
	ck(get(&f), "C_GetFunctionList");
	p11_initialize(f);
	return f;
}

/*
 * On session @s of a new token: the SO logs in with @so_pin and sets the
 * user PIN @user_pin, then the user logs in with it.
 */
static inline void p11_user_login(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
				  const char *so_pin, const char *user_pin)
{
	ck(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin)),
	   "C_Login");
	ck(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)user_pin, strlen(user_pin)),
	   "C_InitPIN");
	ck(f->C_Logout(s), "C_Logout");
	ck(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)user_pin,
		      strlen(user_pin)), "C_Login");
}

#endif
