#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The slot of an HA group in the PKCS#11 module (docs/pkcs11.md, "HA
# groups"): a group of two partitions shows as one more slot to OpenSC's
# pkcs11-tool, which signs through it (openssl verifies), reads the public
# key, generates a key and encrypts and decrypts with it;
# then selftests/pkcs11_ha_test.py (ctypes) for the token's description,
# the login, the refusals with their CKR, the multi-part operations and
# their limit, operations going to both members, and a member's partition
# deleted in the middle of a session.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
M=$PWD/build/lib/libclonedev-pkcs11.so
d=$TAP_OUT
export CLONEDEV_HAGROUP_FILE=$TAP_OUT/etc/hagroups.conf
HA=2147483648	# 0x80000000, the first group's slot

p11() { pkcs11-tool --module "$M" "$@"; }
ha() { p11 --slot "$HA" --login --pin co-pw "$@"; }

# A password partition LABEL in slot SLOT: po po-pw, co co-pw, in the
# cloning domain "ha".
partition()
{
	clonectl partition create -label "$1" >/dev/null
	printf '%s\n' "slot set -slot $2" \
		"partition init -label $1 -domain ha-secret -domainlabel ha -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" | clonectl >/dev/null
}

delete_all
partition m1 1
partition m2 2
p11 --slot 1 --login --pin co-pw --keypairgen --key-type EC:prime256v1 \
	--label ec --id 01 >/dev/null 2>&1
tap_check "a group G of slots 1 and 2" \
	clonectl hagroup creategroup -label G -slots 1,2 -password co-pw
tap_check "synchronize gives slot 2 the EC key pair" \
	clonectl hagroup synchronize -group G -password co-pw

tap_check "pkcs11-tool -L lists the group's slot, its token labelled G" \
	bash -c "pkcs11-tool --module '$M' -L > '$d/L' &&
		grep -q '(0x80000000): clonedev HA group G' '$d/L' &&
		grep -q 'token label *: G\$' '$d/L'"
tap_check "the partitions' slots are still there" \
	bash -c "grep -q 'token label *: m1' '$d/L' && grep -q 'token label *: m2' '$d/L'"
tap_check "the HA slot's mechanisms have ECDSA and AES-GCM, not ECDH" \
	bash -c "pkcs11-tool --module '$M' --slot $HA -M > '$d/M' &&
		grep -q ECDSA-SHA256 '$d/M' && grep -q AES-GCM '$d/M' &&
		! grep -q ECDH1-DERIVE '$d/M'"

run ha --pin wrong -O
grep -q CKR_PIN_INCORRECT "$TAP_OUT/out" "$TAP_OUT/err"
ok=$?
[ $ok -eq 0 ] || { out; err; } | tap_diag
tap_result $ok "a wrong PIN on the HA slot: CKR_PIN_INCORRECT"

# pkcs11-tool gives the final call of a cipher 1 KiB of room; an HA
# slot's multi-part operation gives all its output there.
head -c 1000 /dev/urandom >"$d/data"
tap_check "--sign ECDSA-SHA256 through the HA slot" \
	ha --sign -m ECDSA-SHA256 --id 01 --signature-format openssl \
	-i "$d/data" -o "$d/sig"
tap_check "--read-object gives the public key through it" \
	ha --read-object --type pubkey --id 01 -o "$d/pub.der"
tap_check "openssl verifies the signature" \
	openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$d/pub.der") \
	-signature "$d/sig" "$d/data"
tap_check "--keygen AES-256 through the HA slot" \
	ha --keygen --key-type AES:32 --label hak --id 02
iv=000102030405060708090a0b0c0d0e0f
tap_check "--encrypt and --decrypt AES-CBC-PAD through the HA slot" \
	bash -c "pkcs11-tool --module '$M' --slot $HA --login --pin co-pw --encrypt -m AES-CBC-PAD --id 02 --iv $iv -i '$d/data' -o '$d/ct' &&
		pkcs11-tool --module '$M' --slot $HA --login --pin co-pw --decrypt -m AES-CBC-PAD --id 02 --iv $iv -i '$d/ct' -o '$d/pt' &&
		cmp '$d/pt' '$d/data'"

serial=$(clonectl --json slot list | /usr/bin/python3 -c 'import json,sys
print(next(s["serial"] for s in json.load(sys.stdin)["slots"] if s["slot"] == 1))')
/usr/bin/python3 selftests/pkcs11_ha_test.py "$M" "$serial" >"$d/py" 2>&1
py_rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) tap_result 0 "${line#ok - }" ;;
	"not ok - "*) tap_result 1 "${line#not ok - }" ;;
	*) echo "$line" | tap_diag ;;
	esac
done <"$d/py"
[ $py_rc -eq 0 ]
tap_result $? "pkcs11_ha_test.py exits 0"

tap_done
