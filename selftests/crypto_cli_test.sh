#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl's key-use commands as a script runs them: object encrypt,
# decrypt, sign, verify, derive, wrap and unwrap, each end to end, with
# the results checked by independent implementations (openssl and
# python3-cryptography) from keys whose values the test knows; refusals
# in one sentence.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
keys=${CLONEDEV_KEYS:-build/keys}
# /usr/bin/python3: the interpreter that has python3-cryptography.
PY_PYTHON=/usr/bin/python3 py_start
d=$TAP_OUT

delete_all
clonectl partition create -label crypto >/dev/null
printf '%s\n' "slot set -slot 1" \
	"partition init -label crypto -domain d -domainlabel dom -password po-pw" \
	"role login -name po -password po-pw" "role init -name co -password co-pw" \
	"role login -name co -password co-pw" "role init -name cu -password cu-pw" |
	clonectl >/dev/null
co() { printf '%s\n' "role login -slot 1 -name co -password co-pw" "$@" | clonectl; }
# One-shot commands with their own login, as a script uses them.
cu1() { clonectl "$@" -slot 1 -password cu-pw; }
co1() { clonectl "$@" -slot 1 -role co -password co-pw; }

# Keys whose values the test knows, and an EC pair it does not.
head -c 32 /dev/urandom >"$d/aes.key"
head -c 32 /dev/urandom >"$d/kek.key"
head -c 32 /dev/urandom >"$d/mac.key"
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
co "object import -file $d/aes.key -keytype aes -label aes -extractable" \
	"object import -file $d/kek.key -keytype aes -label kek" \
	"object import -file $d/mac.key -keytype generic -label mac" \
	"object generate -keytype ec-p256 -label ec" \
	"object generate -keytype aes -bits 256 -label fixed" \
	"object import -file $keys/rsa2048.der -label rsa" \
	"object generate -keytype aes -bits 128 -label twin" \
	"object generate -keytype aes -bits 128 -label twin" >"$d/keys"
aes_kcv=$(sed -n 's/^Imported aes-256 key: handle 1, KCV \([0-9a-f]*\)\.$/\1/p' "$d/keys")
[ -n "$aes_kcv" ] && [ "$(grep -c '^Imported\|^Generated' "$d/keys")" = 8 ]
tap_result $? "the test's keys are in the partition"
ec_point=$(co "object show -handle 5" | sed -n 's/^Public: *//p')

# 146 KiB: more than one 64 KiB piece, so the multi-part calls run.
head -c 150000 /dev/urandom >"$d/plain"
head -c 100 /dev/urandom >"$d/small"

expect "encrypt with AES-GCM, IV made by the HSM" 0 "" "" -- \
	cu1 object encrypt -label aes -mech gcm -aad 0a0b0c -in "$d/plain" \
	-out "$d/gcm" -ivout "$d/gcm.iv"
openssl pkey -in "$keys/rsa2048.der" -pubout -out "$d/rsa.pub" 2>/dev/null
openssl pkeyutl -encrypt -pubin -inkey "$d/rsa.pub" -in "$d/small" -out "$d/oaep" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
	-pkeyopt rsa_mgf1_md:sha256 2>/dev/null
# The rest as the cu in one shell session (one login: they are slow).
expect "decrypt, sign and MAC in the shell, one login" 0 "" "" -- \
	sh -c "printf '%s\n' 'role login -slot 1 -name cu -password cu-pw' \
	'object decrypt -label aes -mech gcm -aad 0a0b0c -iv $(cat "$d/gcm.iv") -in $d/gcm -out $d/gcm.dec' \
	'object sign -label mac -mech hmac -in $d/plain -out $d/hmac' \
	'object sign -label aes -mech cmac -in $d/small -out $d/cmac' \
	'object sign -label ec -mech ecdsa -hash sha256 -in $d/plain -out $d/ecdsa' \
	'object sign -label rsa -mech rsa-pss -in $d/small -out $d/pss' \
	'object decrypt -label rsa -mech rsa-oaep -in $d/oaep -out $d/oaep.dec' |
	clonectl >/dev/null"
cmp -s "$d/plain" "$d/gcm.dec"
tap_result $? "AES-GCM round trip"
# 20 MiB: past the 16 MiB a multi-part AES-GCM operation once held.
head -c 20971520 /dev/urandom >"$d/big"
expect "encrypt 20 MiB with AES-GCM" 0 "" "" -- \
	cu1 object encrypt -label aes -mech gcm -iv 00112233445566778899aabb \
	-in "$d/big" -out "$d/big.gcm"
expect "decrypt 20 MiB with AES-GCM" 0 "" "" -- \
	cu1 object decrypt -label aes -mech gcm -iv 00112233445566778899aabb \
	-in "$d/big.gcm" -out "$d/big.dec"
cmp -s "$d/big" "$d/big.dec"
tap_result $? "AES-GCM round trip of 20 MiB"
expect "encrypt with AES-CBC from stdin to stdout" 0 "" "" -- \
	sh -c "clonectl object encrypt -slot 1 -password cu-pw -label aes -mech cbc \
		-iv 000102030405060708090a0b0c0d0e0f <'$d/small' >'$d/cbc'"
openssl enc -d -aes-256-cbc -K "$(hex "$d/aes.key")" \
	-iv 000102030405060708090a0b0c0d0e0f -in "$d/cbc" 2>/dev/null | cmp -s - "$d/small"
tap_result $? "openssl decrypts the AES-CBC ciphertext"
expect "encrypt with AES-CTR prints the IV it made" 0 "" "" -- \
	sh -c "clonectl object encrypt -slot 1 -password cu-pw -label aes -mech ctr \
		-in '$d/small' -out '$d/ctr' 2>'$d/ctr.err'"
grep -qE '^iv: [0-9a-f]{32}$' "$d/ctr.err" && [ "$(wc -l <"$d/ctr.err")" = 1 ]
tap_result $? "the generated IV is on stderr as 'iv: HEX'"
openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(hex "$d/mac.key")" -binary \
	"$d/plain" | cmp -s - "$d/hmac"
tap_result $? "openssl computes the same HMAC"
expect "verify it with the public half" 0 '^Signature verified\.$' "" -- \
	cu1 object verify -label ec -mech ecdsa -in "$d/plain" -sig "$d/ecdsa"
cmp -s "$d/small" "$d/oaep.dec"
tap_result $? "RSA-OAEP gives the plaintext back"

openssl ecparam -name prime256v1 -genkey -noout -out "$d/peer.pem" 2>/dev/null
openssl ec -in "$d/peer.pem" -pubout -outform DER -out "$d/peer.der" 2>/dev/null
expect "derive an AES key by ECDH" 0 \
	'^Derived aes-256 key: handle [0-9]+, KCV [0-9a-f]{6}\.$' "" -- \
	co1 object derive -label ec -peer "$d/peer.der" -newlabel shared
derived_kcv=$(out | sed -n 's/.*KCV \([0-9a-f]*\)\.$/\1/p')
expect "wrap a key with AES-KWP" 0 "" "" -- \
	co1 object wrap -wrapping kek -label aes -out "$d/wrapped"
expect "unwrap it into a new key with the same KCV" 0 \
	"^Unwrapped aes-256 key: handle [0-9]+, KCV $aes_kcv\.$" "" -- \
	co1 object unwrap -unwrapping kek -keytype aes -newlabel back -in "$d/wrapped"

# Every result above, checked by python3-cryptography.
py - "$d" "$ec_point" "$derived_kcv" "$keys" >"$d/py" 2>&1 <<'EOF'
import os, sys
from cryptography.hazmat.primitives import hashes, cmac, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

d, ec_point, derived_kcv, keys = sys.argv[1:]
rd = lambda n: open(os.path.join(d, n), "rb").read()
aes, kek, plain, small = rd("aes.key"), rd("kek.key"), rd("plain"), rd("small")

def check(name, f):
    try:
        ok = f() is not False
    except Exception as e:
        ok = False
        print("#", name, repr(e))
    print("PASS" if ok else "FAIL", name)

def ctr():
    iv = bytes.fromhex(rd("ctr.err").decode().split()[1])
    dec = Cipher(algorithms.AES(aes), modes.CTR(iv)).decryptor()
    return dec.update(rd("ctr")) + dec.finalize() == small

def gcm():
    iv = bytes.fromhex(rd("gcm.iv").decode().strip())
    return AESGCM(aes).decrypt(iv, rd("gcm"), bytes.fromhex("0a0b0c")) == plain

def gcm_big():
    iv = bytes.fromhex("00112233445566778899aabb")
    return AESGCM(aes).decrypt(iv, rd("big.gcm"), None) == rd("big")

def cmac_check():
    c = cmac.CMAC(algorithms.AES(aes))
    c.update(small)
    c.verify(rd("cmac"))

def ecdsa():
    pub = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), bytes.fromhex(ec_point))
    s = rd("ecdsa")
    sig = utils.encode_dss_signature(int.from_bytes(s[:32], "big"),
                                     int.from_bytes(s[32:], "big"))
    pub.verify(sig, plain, ec.ECDSA(hashes.SHA256()))

def pss():
    key = serialization.load_der_private_key(
        open(os.path.join(keys, "rsa2048.der"), "rb").read(), None)
    key.public_key().verify(rd("pss"), small,
                            padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                            hashes.SHA256())

def ecdh():
    peer = serialization.load_pem_private_key(rd("peer.pem"), None)
    pub = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), bytes.fromhex(ec_point))
    key = peer.exchange(ec.ECDH(), pub)[:32]
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    kcv = (enc.update(bytes(16)) + enc.finalize())[:3].hex()
    return kcv == derived_kcv

check("AES-GCM", gcm)
check("AES-GCM 20 MiB", gcm_big)
check("AES-CTR", ctr)
check("AES-CMAC", cmac_check)
check("ECDSA", ecdsa)
check("RSA-PSS", pss)
check("ECDH", ecdh)
check("AES-KWP", lambda: keywrap.aes_key_unwrap_with_padding(kek, rd("wrapped")) == aes)
EOF
grep '^#' "$d/py" | tap_diag
for c in AES-GCM "AES-GCM 20 MiB" AES-CTR AES-CMAC ECDSA RSA-PSS ECDH AES-KWP; do
	grep -qx "PASS $c" "$d/py"
	tap_result $? "python3-cryptography agrees: $c"
done

# Refusals.
cp "$d/ecdsa" "$d/bad.sig"
printf '\x55' | dd of="$d/bad.sig" bs=1 seek=10 conv=notrunc 2>/dev/null
expect "a signature that does not verify" 1 "" \
	"clonectl: Signature does not verify." -- \
	cu1 object verify -label ec -mech ecdsa -in "$d/plain" -sig "$d/bad.sig"
head -c 1000 "$d/gcm" >"$d/gcm.bad" && printf 'X' >>"$d/gcm.bad"
expect "altered AES-GCM data gives no plaintext" 1 "" \
	"clonectl: decrypting: the data does not authenticate (a wrong key, IV, AAD or tag length, or altered data); no plaintext was given out." -- \
	cu1 object decrypt -label aes -mech gcm -aad 0a0b0c -iv "$(cat "$d/gcm.iv")" \
	-in "$d/gcm.bad" -out "$d/gcm.bad.dec"
[ ! -e "$d/gcm.bad.dec" ]
tap_result $? "the refused decryption leaves no output file"
expect "a key that is not extractable is not wrapped" 1 "" \
	"clonectl: wrapping the key: the wrapping key may not wrap, the key is not extractable, or policy 5 (secret keys) or 1 (private keys) forbids wrapping it." -- \
	co1 object wrap -wrapping kek -label fixed -out "$d/nowrap"
expect "decryption needs the IV" 1 "" \
	"clonectl: decrypting with -mech gcm needs the IV the encryption used: give -iv HEX." -- \
	cu1 object decrypt -label aes -mech gcm -in "$d/gcm"
expect "a label two keys share" 1 "" \
	"clonectl: more than one key has the label 'twin'; name it with -handle." -- \
	cu1 object encrypt -label twin -mech cbc -in "$d/small"
h=$(co "object generate -keytype aes -bits 256 -label enconly -usage encrypt,decrypt" |
	sed -n 's/^Generated aes-256 key: handle \([0-9]*\),.*/\1/p')
co "object show -handle ${h:-0}" | grep -q '^Usage:     encrypt,decrypt$'
tap_result $? "-usage gives a key only the usage named"
expect "a key without the sign usage does not sign" 1 "" \
	"clonectl: signing: the key may not be used to sign (it lacks that usage flag)." -- \
	cu1 object sign -label enconly -mech cmac -in "$d/small"
expect "an unknown usage word" 1 "" \
	"clonectl: -usage takes encrypt, decrypt, sign, verify, derive, wrap and unwrap, comma-separated, not 'mint'." -- \
	clonectl object generate -slot 1 -keytype aes -bits 128 -usage sign,mint

delete_all
tap_done
