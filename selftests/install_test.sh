#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# On the host, no module, no root: 'make install-user' into a staging
# DESTDIR puts the library, both headers and libclonedev.pc in place, and
# the example program (tools/example) builds against that install through
# pkg-config alone and runs (failing politely without /dev/clonedev); the
# PKCS#11 module and its p11-kit module file are in place, and p11-kit
# list-modules shows the module.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh

stage=$TAP_OUT/stage
prefix=/usr/local
export PKG_CONFIG_PATH=$stage$prefix/lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$stage

make -s install-user DESTDIR="$stage" PREFIX="$prefix" >"$TAP_OUT/make" 2>&1
tap_result $? "make install-user DESTDIR=... succeeds"

ok=0
for f in include/libclonedev.h include/linux/clonedev.h lib/libclonedev.a \
	 lib/libclonedev.so.0 lib/libclonedev.so lib/pkgconfig/libclonedev.pc \
	 bin/clonectl; do
	if [ ! -e "$stage$prefix/$f" ]; then
		echo "$prefix/$f is not installed" | tap_diag
		ok=1
	fi
done
tap_result $ok "the library, both headers, the .pc file and clonectl are installed"

cflags=$(pkg-config --cflags libclonedev) && libs=$(pkg-config --libs libclonedev) &&
	[[ " $cflags " == *" -I$stage$prefix/include "* ]] &&
	[[ " $libs " == *" -L$stage$prefix/lib "* && " $libs " == *" -lclonedev "* ]]
tap_result $? "pkg-config finds libclonedev in the staged install"

# Only the staged headers: a copy of the example outside the tree, so
# nothing of the source tree is on the include path.
mkdir -p "$TAP_OUT/example"
cp tools/example/sign.c tools/example/Makefile "$TAP_OUT/example/"
make -s -C "$TAP_OUT/example" CFLAGS="-O2 -Wall -Wextra -Werror" \
	>"$TAP_OUT/build" 2>&1
rc=$?
[ $rc -ne 0 ] && tap_diag <"$TAP_OUT/build"
tap_result $rc "the example builds with pkg-config --cflags --libs libclonedev"

expect "the example runs against the installed shared library" 1 "" \
	"sign: opening slot 1 as cu: No such file or directory" -- \
	env LD_LIBRARY_PATH="$stage$prefix/lib" CLONEDEV_DEVICE=/nonexistent \
	CLONEDEV_PASSWORD=pw "$TAP_OUT/example/sign" 1 key /dev/null
env LD_LIBRARY_PATH="$stage$prefix/lib" ldd "$TAP_OUT/example/sign" |
	grep -q "libclonedev.so.0 => $stage$prefix/lib/libclonedev.so.0"
tap_result $? "it links libclonedev.so.0 from the install"

# shellcheck disable=SC2207 # pkg-config's words are meant to split
static=($(pkg-config --cflags libclonedev) "-Wl,-Bstatic"
	$(pkg-config --libs-only-L libclonedev) -lclonedev "-Wl,-Bdynamic"
	$(pkg-config --static --libs-only-l libclonedev | sed 's/-lclonedev//'))
cc -O2 -Wall -Werror -o "$TAP_OUT/sign-static" tools/example/sign.c \
	"${static[@]}" >"$TAP_OUT/build" 2>&1
rc=$?
[ $rc -ne 0 ] && tap_diag <"$TAP_OUT/build"
tap_result $rc "it links the static library with pkg-config --static"
! env LD_LIBRARY_PATH= ldd "$TAP_OUT/sign-static" | grep -q libclonedev
tap_result $? "the static link needs no libclonedev.so"

# The PKCS#11 module and the p11-kit module file that names it.
p11=$prefix/lib/pkcs11/libclonedev-pkcs11.so
[ -x "$stage$p11" ] &&
	[ "$(cat "$stage/usr/share/p11-kit/modules/clonedev.module")" = "module: $p11" ]
tap_result $? "the PKCS#11 module and its p11-kit module file are installed"
[ "$(nm -D --defined-only "$stage$p11" | awk '{ print $3 }')" = C_GetFunctionList ]
tap_result $? "the module exports C_GetFunctionList alone"
# C_Initialize without /dev/clonedev's netlink family: no slots, no error.
python3 -c 'import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
fl = ctypes.POINTER(ctypes.c_void_p)()
assert lib.C_GetFunctionList(ctypes.byref(fl)) == 0
init = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)(fl[1])
assert init(None) == 0' "$stage$p11"
tap_result $? "the installed module loads and C_Initialize succeeds"

# p11-kit finds it through a module file like the installed one. p11-kit
# reads no user configuration as root, so a root run asks as nobody, from
# a directory nobody can read.
home=$(mktemp -d) && chmod 755 "$home" && mkdir -p "$home/.config/pkcs11/modules" &&
	cp "$stage$p11" "$home/" && chmod 644 "$home/libclonedev-pkcs11.so" &&
	sed "s|^module: .*|module: $home/libclonedev-pkcs11.so|" \
		"$stage/usr/share/p11-kit/modules/clonedev.module" \
		>"$home/.config/pkcs11/modules/clonedev.module" &&
	chmod -R a+rX "$home"
as=()
[ "$(id -u)" -eq 0 ] && as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${as[@]}" env HOME="$home" p11-kit list-modules >"$TAP_OUT/list-modules" 2>&1
grep -q "^clonedev: $home/libclonedev-pkcs11.so\$" "$TAP_OUT/list-modules" &&
	grep -q "library-description: clonedev PKCS#11 module" "$TAP_OUT/list-modules"
rc=$?
[ $rc -ne 0 ] && tap_diag <"$TAP_OUT/list-modules"
tap_result $rc "p11-kit list-modules shows the module by its module file"
rm -rf "$home"

tap_done
