#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-implementation checks of the calls that use keys
# (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP, _UNWRAP): selftests/crypto_xcheck.py
# drives one clonedev session through build/selftests/crypto_xcheck_tool
# and checks every result with python3-cryptography, both ways: ECDSA,
# RSA PKCS#1 v1.5, PSS and OAEP, AES-GCM (also 40 MiB in parts), CBC and
# CTR, HMAC and CMAC, key wrap with padding, ECDH. crypto_test checks the
# same calls against published vectors.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
# /usr/bin/python3: the interpreter that has python3-cryptography.
PY_PYTHON=/usr/bin/python3 py_start

delete_all
py_file selftests/crypto_xcheck.py build/selftests/crypto_xcheck_tool \
	"${CLONEDEV_KEYS:-build/keys}" >"$TAP_OUT/xcheck" 2>"$TAP_OUT/xcheck.err"
rc=$?
while read -r verdict what; do
	case $verdict in
	PASS) tap_result 0 "$what" ;;
	*) tap_result 1 "$what" ;;
	esac
done <"$TAP_OUT/xcheck"
[ -s "$TAP_OUT/xcheck.err" ] && tap_diag <"$TAP_OUT/xcheck.err"
[ "$(grep -c '' "$TAP_OUT/xcheck")" -ge 14 ]
tap_result $? "every check ran (the helper exited with $rc)"
delete_all
tap_done
