#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The PKCS#11 module (libclonedev-pkcs11.so, docs/pkcs11.md) as Debian's
# own PKCS#11 consumers use it: OpenSC's pkcs11-tool (its --test, key
# generation, signatures, ciphers, wrap and unwrap), GnuTLS's p11tool
# (tokens, objects, a signature), results checked with openssl; then
# selftests/pkcs11_test.py (python3-pykcs11) for every refusal's CKR,
# threads, processes, fork, bad input, ECDH and a key cloned to another
# partition; the refusals and bad input once more with the module built
# with AddressSanitizer.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
M=$PWD/build/lib/libclonedev-pkcs11.so
d=$TAP_OUT

p11() { pkcs11-tool --module "$M" "$@"; }
co() { p11 --slot 1 --login --pin co-pw "$@"; }

# A password partition with po po-pw, co co-pw, cu cu-pw in slot $2, in
# the cloning domain "shared".
partition()
{
	clonectl partition create -label "$1" >/dev/null
	printf '%s\n' "slot set -slot $2" \
		"partition init -label $1 -domain shared-secret -domainlabel shared -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" \
		"role login -name co -password co-pw" \
		"role init -name cu -password cu-pw" | clonectl >/dev/null
}

delete_all
partition alpha 1
partition beta 2

tap_check "pkcs11-tool lists one slot per partition, labelled" \
	bash -c "pkcs11-tool --module '$M' -L | grep -q 'token label *: alpha' &&
		pkcs11-tool --module '$M' -L | grep -q 'token label *: beta'"
tap_check "the token says it needs a login and has a user PIN" \
	bash -c "pkcs11-tool --module '$M' -L | grep -q 'login required, rng, token initialized, PIN initialized'"
tap_check "the mechanism list has ECDSA, AES-GCM and ECDH" \
	bash -c "pkcs11-tool --module '$M' --slot 1 -M | grep -q ECDSA-SHA256 &&
		pkcs11-tool --module '$M' --slot 1 -M | grep -q AES-GCM &&
		pkcs11-tool --module '$M' --slot 1 -M | grep -q ECDH1-DERIVE"

tap_check "--keypairgen EC P-256" \
	co --keypairgen --key-type EC:prime256v1 --label ec1 --id 01 --usage-sign --usage-derive
tap_check "--keypairgen EC P-384" \
	co --keypairgen --key-type EC:secp384r1 --label ec2 --id 02
tap_check "--keygen AES-256" co --keygen --key-type AES:32 --label aes1 --id 03
tap_check "--keygen AES-128, extractable" \
	co --keygen --key-type AES:16 --label victim --id 04 --extractable
tap_check "--keygen a generic secret for HMAC" \
	co --keygen --key-type GENERIC:32 --label mac --id 05
tap_check "-O lists the keys with their labels" \
	bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw -O > '$d/objs' &&
		grep -q 'label: *ec1' '$d/objs' && grep -q 'label: *aes1' '$d/objs' &&
		grep -q 'label: *mac' '$d/objs'"

head -c 3000 /dev/urandom >"$d/data"
tap_check "--sign ECDSA-SHA256" \
	co --sign -m ECDSA-SHA256 --id 01 --signature-format openssl \
	-i "$d/data" -o "$d/sig"
tap_check "--read-object gives the public key" \
	co --read-object --type pubkey --id 01 -o "$d/pub.der"
tap_check "openssl verifies the signature" \
	openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$d/pub.der") \
	-signature "$d/sig" "$d/data"
tap_check "--verify ECDSA-SHA256" \
	co --verify -m ECDSA-SHA256 --id 01 --signature-format openssl \
	-i "$d/data" --signature-file "$d/sig"
tap_check "--sign and --verify with P-384" \
	bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --sign -m ECDSA-SHA384 --id 02 -i '$d/data' -o '$d/sig2' &&
		pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --verify -m ECDSA-SHA384 --id 02 -i '$d/data' --signature-file '$d/sig2'"
head -c 100 /dev/urandom >"$d/other"
run co --verify -m ECDSA-SHA256 --id 01 --signature-format openssl \
	-i "$d/other" --signature-file "$d/sig"
grep -q 'Invalid signature' "$TAP_OUT/out" "$TAP_OUT/err"
ok=$?
[ $ok -eq 0 ] || { out; err; } | tap_diag
tap_result $ok "--verify of other data: Invalid signature"

tap_check "--keypairgen RSA-2048" \
	co --keypairgen --key-type rsa:2048 --label rsa1 --id 07 --usage-sign
tap_check "--read-object gives the RSA public key" \
	co --read-object --type pubkey --id 07 -o "$d/rsapub.der"
openssl pkey -pubin -inform DER -in "$d/rsapub.der" -out "$d/rsapub.pem" 2>/dev/null
for m in SHA256-RSA-PKCS SHA384-RSA-PKCS-PSS; do
	case $m in
	*PSS) opt=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48) md=-sha384 ;;
	*) opt=() md=-sha256 ;;
	esac
	tap_check "--sign $m, openssl verifies" \
		bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --sign -m $m --id 07 -i '$d/data' -o '$d/rsasig' &&
			openssl dgst $md -verify '$d/rsapub.pem' ${opt[*]} -signature '$d/rsasig' '$d/data'"
done
tap_check "--sign RSA-PKCS over a DigestInfo, openssl verifies" \
	bash -c "openssl dgst -sha256 -binary '$d/data' > '$d/dgst' &&
		{ printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'; cat '$d/dgst'; } > '$d/t' &&
		pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --sign -m RSA-PKCS --id 07 -i '$d/t' -o '$d/rsasig' &&
		openssl dgst -sha256 -verify '$d/rsapub.pem' -signature '$d/rsasig' '$d/data'"

iv=000102030405060708090a0b0c0d0e0f
tap_check "--encrypt AES-CBC-PAD" \
	co --encrypt -m AES-CBC-PAD --id 03 --iv $iv -i "$d/data" -o "$d/ct"
tap_check "--decrypt gives the plaintext back" \
	bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --decrypt -m AES-CBC-PAD --id 03 --iv $iv -i '$d/ct' -o '$d/pt' && cmp '$d/pt' '$d/data'"
tap_check "the ciphertext is AES-CBC with PKCS#7 padding (3008 bytes)" \
	test "$(stat -c %s "$d/ct")" = 3008
tap_check "--sign and --verify SHA256-HMAC" \
	bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --sign -m SHA256-HMAC --id 05 -i '$d/data' -o '$d/mac' &&
		pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --verify -m SHA256-HMAC --id 05 -i '$d/data' --signature-file '$d/mac'"
tap_check "--wrap the extractable key with AES-KEY-WRAP-PAD" \
	co --wrap -m 0x210a --id 03 --application-id 04 -o "$d/wrapped"
tap_check "--unwrap it as a new key" \
	co --unwrap -m 0x210a --id 03 -i "$d/wrapped" \
	--key-type AES: --label unwrapped --application-id 06
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/peer.pem" 2>/dev/null
openssl pkey -in "$d/peer.pem" -pubout -outform DER -out "$d/peer.der" 2>/dev/null
tap_check "--derive ECDH1-DERIVE with a peer's public key" \
	co --derive -m ECDH1-DERIVE --id 01 -i "$d/peer.der"
tap_check "--hash SHA256 matches sha256sum" \
	bash -c "pkcs11-tool --module '$M' --hash -m SHA256 -i '$d/data' -o '$d/h' &&
		test \"\$(od -An -tx1 -v '$d/h' | tr -d ' \n')\" = \"\$(sha256sum < '$d/data' | cut -d' ' -f1)\""
tap_check "--generate-random 64" \
	bash -c "co() { pkcs11-tool --module '$M' --slot 1 --login --pin co-pw \"\$@\"; }; co --generate-random 64 -o '$d/rnd' && test \"\$(stat -c %s '$d/rnd')\" = 64"

tap_check "pkcs11-tool --test --login passes" co --test
if [ "$RC" -eq 0 ]; then
	grep -qi 'no errors' "$TAP_OUT/out" "$TAP_OUT/err"
	ok=$?
	[ $ok -eq 0 ] || { out; err; } | grep -iv '^ *ok$' | tail -n 40 | tap_diag
	tap_result $ok "and reports no errors"
fi

P11URL="pkcs11:token=alpha"
tap_check "p11tool --list-tokens shows both tokens" \
	bash -c "p11tool --provider '$M' --list-tokens | grep -q 'Label: alpha' &&
		p11tool --provider '$M' --list-tokens | grep -q 'Label: beta'"
tap_check "p11tool --list-all shows the keys" \
	bash -c "GNUTLS_PIN=co-pw p11tool --provider '$M' --login --list-all '$P11URL' | grep -q 'Label: ec1'"
tap_check "p11tool --test-sign with the P-256 key" \
	env GNUTLS_PIN=co-pw p11tool --provider "$M" --login --test-sign \
	"$P11URL;object=ec1;type=private"

# ---- a key cloned to another partition: same label and id, and a
# signature made on either side verifies on the other ----
printf '%s\n' "slot set -slot 1" "role login -name co -password co-pw" \
	"partition clone -slot 2 -objects all" "co-pw" | clonectl >/dev/null
tap_check "the cloned EC key is on beta with its label and id" \
	bash -c "pkcs11-tool --module '$M' --slot 2 --login --pin co-pw -O --type privkey |
		grep -A3 'label: *ec1' | grep -q 'ID: *01'"
tap_check "a signature made on alpha verifies on beta" \
	bash -c "pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --sign -m ECDSA-SHA256 --id 01 -i '$d/data' -o '$d/s1' &&
		pkcs11-tool --module '$M' --slot 2 --login --pin co-pw --verify -m ECDSA-SHA256 --id 01 -i '$d/data' --signature-file '$d/s1' | grep -q 'Signature is valid'"
tap_check "and one made on beta verifies on alpha" \
	bash -c "pkcs11-tool --module '$M' --slot 2 --login --pin co-pw --sign -m ECDSA-SHA256 --id 01 -i '$d/data' -o '$d/s2' &&
		pkcs11-tool --module '$M' --slot 1 --login --pin co-pw --verify -m ECDSA-SHA256 --id 01 -i '$d/data' --signature-file '$d/s2' | grep -q 'Signature is valid'"

# ---- python3-pykcs11 and the module's own function list ----
partition gamma 3
/usr/bin/python3 selftests/pkcs11_test.py "$M" >"$d/py" 2>&1
py_rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) tap_result 0 "${line#ok - }" ;;
	"not ok - "*) tap_result 1 "${line#not ok - }" ;;
	*) echo "$line" | tap_diag ;;
	esac
done <"$d/py"
[ $py_rc -eq 0 ]
tap_result $? "pkcs11_test.py exits 0"

# The refusals and bad input again, through the module built with
# AddressSanitizer (make tests): an overflow, a use after free or a wild
# pointer in the module ends the run with ASan's report. Leaks are not
# checked: the interpreter keeps memory to its exit.
partition delta 4
LD_PRELOAD=$(gcc -print-file-name=libasan.so) \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	/usr/bin/python3 selftests/pkcs11_test.py \
	"$PWD/build/lib/asan/libclonedev-pkcs11.so" --refusals 4 >"$d/asan" 2>&1
asan_rc=$?
n=0
while IFS= read -r line; do
	case $line in
	"ok - "*) n=$((n + 1)) ;;
	*) echo "$line" | tap_diag ;;
	esac
done <"$d/asan"
[ $asan_rc -eq 0 ] && [ $n -ge 100 ] && ! grep -q AddressSanitizer "$d/asan"
tap_result $? "under AddressSanitizer: the refusals and bad input again ($n checks), no report"

tap_done
