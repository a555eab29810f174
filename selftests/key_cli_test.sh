#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl's key commands as a co types them: EC key pairs, import of raw,
# PKCS#8 EC and RSA keys (made on the host by selftests/keys/mkkeys, whose
# check values come from python3-cryptography), bulk generation, find by
# label and id; the same after a reload; every refusal in one sentence.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
keys=${CLONEDEV_KEYS:-build/keys}

# The KCV the host computed for key file $1.
kcv() { awk -v n="$1" '$1 == n { print $4 }' "$keys/expected.txt"; }

delete_all
clonectl partition create -label keys >/dev/null
printf '%s\n' "slot set -slot 1" \
	"partition init -label keys -domain d -domainlabel dom -password po-pw" \
	"role login -name po -password po-pw" "role init -name co -password co-pw" \
	"role login -name co -password co-pw" "role init -name cu -password cu-pw" |
	clonectl >/dev/null
co() { printf '%s\n' "role login -slot 1 -name co -password co-pw" "$@" | clonectl; }
cu() { printf '%s\n' "role login -slot 1 -name cu -password cu-pw" "$@" | clonectl; }

expect "generate an EC P-256 key pair" 0 \
	'^Generated ec-p256 key pair: private key handle 1, public key handle 2, KCV [0-9a-f]{6}\.$' "" -- \
	co "object generate -keytype ec-p256 -label sign-key -id 01"
expect "generate an EC P-384 key pair" 0 \
	'^Generated ec-p384 key pair: private key handle 3, public key handle 4, KCV [0-9a-f]{6}\.$' "" -- \
	co "object generate -keytype ec-p384 -label sign-384"
expect "the public half shows its point" 0 '^Public:    04[0-9a-f]{128}$' "" -- \
	cu "object show -handle 2"
expect "import an EC key (PKCS#8 PEM)" 0 \
	"^Imported ec-p256 private key: handle 5, KCV $(kcv ec256.pem)\.$" "" -- \
	co "object import -file $keys/ec256.pem -label ec-imported -id 02"
expect "import an EC P-384 key (PKCS#8 DER)" 0 \
	"^Imported ec-p384 private key: handle 6, KCV $(kcv ec384.der)\.$" "" -- \
	co "object import -file $keys/ec384.der"
expect "import an RSA-2048 key (PKCS#8 DER)" 0 \
	"^Imported rsa-2048 private key: handle 7, KCV $(kcv rsa2048.der)\.$" "" -- \
	co "object import -file $keys/rsa2048.der -label rsa"
expect "import an RSA-4096 key (PKCS#8 PEM)" 0 \
	"^Imported rsa-4096 private key: handle 8, KCV $(kcv rsa4096.pem)\.$" "" -- \
	co "object import -file $keys/rsa4096.pem -label rsa"
expect "import a raw AES-256 key" 0 \
	"^Imported aes-256 key: handle 9, KCV $(kcv aes256.key)\.$" "" -- \
	co "object import -file $keys/aes256.key -keytype aes -label raw"
expect "import a raw generic secret" 0 \
	"^Imported generic-320 key: handle 10, KCV $(kcv secret40.key)\.$" "" -- \
	co "object import -file $keys/secret40.key -keytype generic -label raw"
expect "generate keys in one batch" 0 \
	'^Generated 100 aes-128 keys in one batch: handles 11 to 110\.$' "" -- \
	co "object generate -keytype aes -bits 128 -label batch -count 100"
expect "find by label" 0 '^2 objects found\.$' "" -- co "object find -label rsa"
expect "find by label lists handles" 0 '^8$' "" -- co "object find -label rsa"
expect "find by id" 0 '^5$' "" -- co "object find -id 02"
expect "find by label and id" 0 '^0 objects found\.$' "" -- \
	co "object find -label rsa -id 02"
expect "find a batch" 0 '^100 objects found\.$' "" -- co "object find -label batch"
expect "partition contents shows key pairs" 0 \
	'^2 +public key +ec-p256 +256  [0-9a-f]{6}  sign-key$' "" -- co "partition contents"

before=$(co "partition contents")
rmmod clonedev && modprobe clonedev
[ "$(co "partition contents")" = "$before" ]
tap_result $? "key pairs, imported keys and a batch survive a reload with their KCVs"
expect "the index is rebuilt on reload" 0 '^100 objects found\.$' "" -- \
	co "object find -label batch"

expect "a truncated DER file" 1 "" \
	"clonectl: '$keys/truncated.der' is not a PKCS#8 private key (PEM 'PRIVATE KEY' or DER); for a raw AES key or generic secret add -keytype." -- \
	co "object import -file $keys/truncated.der"
expect "a damaged PEM file" 1 "" \
	"clonectl: '$keys/flipped.pem' is not a PKCS#8 private key (PEM 'PRIVATE KEY' or DER); for a raw AES key or generic secret add -keytype." -- \
	co "object import -file $keys/flipped.pem"
expect "an encrypted key" 1 "" \
	"clonectl: '$keys/encrypted.pem' is an encrypted key, not PKCS#8, or not RSA, EC P-256 or EC P-384; convert it to an unencrypted PKCS#8 key." -- \
	co "object import -file $keys/encrypted.pem"
expect "a P-521 key" 1 "" \
	"clonectl: '$keys/p521.pem' is an encrypted key, not PKCS#8, or not RSA, EC P-256 or EC P-384; convert it to an unencrypted PKCS#8 key." -- \
	co "object import -file $keys/p521.pem"
expect "an RSA-1024 key" 1 "" \
	"clonectl: the HSM refused the key in '$keys/rsa1024.pem': an RSA key must be consistent with a 2048- to 4096-bit modulus, an EC key a scalar from 1 to n-1." -- \
	co "object import -file $keys/rsa1024.pem"
expect "a 15-byte AES key" 1 "" \
	"clonectl: the HSM refused the key in '$keys/aes-bad.key': an aes key is 16, 24 or 32 bytes, a generic secret 1 to 512." -- \
	co "object import -file $keys/aes-bad.key -keytype aes"
expect "a missing key file" 1 "" \
	"clonectl: cannot read '$keys/none.pem': No such file or directory." -- \
	co "object import -file $keys/none.pem"
expect "-keytype is for raw keys" 1 "" \
	"clonectl: -keytype is for raw key files: aes or generic, not 'rsa'; EC and RSA keys come as PKCS#8 without it." -- \
	co "object import -file $keys/rsa2048.pem -keytype rsa"
expect "the cu may not import" 1 "" \
	"clonectl: importing the key: the co must be logged in (the cu may create and destroy only public data objects); log in with 'role login'." -- \
	cu "object import -file $keys/ec256.pem"
expect "EC keys take no -bits" 1 "" \
	"clonectl: -bits must be 128, 192 or 256 for aes, or a multiple of 8 from 8 to 4096 for generic; an ec key takes its size from the curve." -- \
	co "object generate -keytype ec-p256 -bits 256"
expect "no bulk key pairs" 1 "" "clonectl: -count takes 1 to 65536, for aes and generic keys." -- \
	co "object generate -keytype ec-p256 -count 2"
expect "find needs a criterion" 1 "" "clonectl: give -label, -id or both." -- \
	co "object find"
expect "nothing was added by the refusals" 0 '^110 objects\.$' "" -- co "partition contents"

# An RSA pair made in the kernel: its public half verifies after a reload,
# and openssl takes its public value.
d=$(mktemp -d)
printf 'signed before the reload' >"$d/msg"
expect "generate an RSA-2048 key pair" 0 \
	'^Generated rsa-2048 key pair: private key handle 111, public key handle 112, KCV [0-9a-f]{6}\.$' "" -- \
	co "object generate -keytype rsa -bits 2048 -label rsa-gen -id 0a"
rsa_kcv=$(out | sed -n 's/.*KCV \([0-9a-f]*\)\.$/\1/p')
expect "the public half shows its RSAPublicKey" 0 \
	'^Public:    3082010a0282010100[0-9a-f]{512}0203010001$' "" -- \
	cu "object show -handle 112"
out | sed -n 's/^Public: *//p' | xxd -r -p >"$d/pub.der"
openssl rsa -RSAPublicKey_in -inform DER -in "$d/pub.der" -noout -modulus 2>/dev/null |
	sed 's/^Modulus=//' | xxd -r -p | sha256sum | cut -c1-6 | grep -qx "$rsa_kcv"
tap_result $? "openssl reads the public value; its modulus's SHA-256 is the KCV"
expect "the private half signs" 0 "" "" -- \
	co "object sign -handle 111 -mech rsa-pss -in $d/msg -out $d/sig"
openssl pkeyutl -verify -pubin -inkey "$d/pub.der" -keyform DER -in <(openssl dgst -sha256 -binary "$d/msg") \
	-sigfile "$d/sig" -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha256 \
	-pkeyopt rsa_pss_saltlen:32 >/dev/null 2>&1
tap_result $? "openssl verifies the signature with the public value"
rmmod clonedev && modprobe clonedev
expect "the public half verifies it after a reload" 0 '^Signature verified\.$' "" -- \
	cu "object verify -handle 112 -mech rsa-pss -in $d/msg -sig $d/sig"
expect "the pair keeps its KCV across the reload" 0 \
	"^111 +private key +rsa +2048  $rsa_kcv  rsa-gen\$" "" -- co "partition contents"
expect "RSA sizes are 2048, 3072 or 4096" 1 "" \
	"clonectl: -bits must be 2048, 3072 or 4096 for an rsa key pair." -- \
	co "object generate -keytype rsa -bits 1024"
expect "no bulk RSA pairs" 1 "" "clonectl: -count takes 1 to 65536, for aes and generic keys." -- \
	co "object generate -keytype rsa -bits 2048 -count 2"
rm -rf "$d"

delete_all
tap_done
