#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Applications through the PKCS#11 module (docs/pkcs11.md), with keys that
# never leave the partition:
#  - OpenSSL's pkcs11 engine makes self-signed certificates with an EC and
#    an RSA key of the partition, and `openssl verify` accepts them;
#  - RSA-OAEP: OpenSSL encrypts to the certificate's key and the engine
#    decrypts; ECDH: the module derives a secret from the partition's EC
#    key and a peer's point, and its check value is the one of the secret
#    OpenSSL derives on the peer's side;
#  - OpenSSH: ssh-keygen -D prints the partition's public keys, and ssh -I
#    logs in to an sshd on the guest's loopback with the partition's EC key,
#    while a wrong PIN gets no login.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
module=$PWD/build/lib/libclonedev-pkcs11.so
keys=$PWD/build/keys
py_start
delete_all

work=$TAP_OUT/apps
mkdir -p "$work"
pin=co-pin-4321
token=p11apps

clonectl partition create -label $token >/dev/null
printf '%s\n' "slot set -slot 1" \
	"partition init -label $token -domain apps-domain -domainlabel d -password po-pw" \
	"role login -name po -password po-pw" \
	"role init -name co -password $pin" \
	"role login -name co -password $pin" \
	"object generate -keytype ec-p256 -label eck -id 01" \
	"object import -file $keys/rsa2048.pem -label rsak -id 02 -usage sign,verify,decrypt" |
	clonectl >/dev/null
expect "the partition holds an EC pair and an RSA key" 0 "" "" -- \
	clonectl --json slot list

# OpenSSL: the engine from libengine-pkcs11-openssl, loaded by a config
# that names the module; plain OpenSSL runs without it.
cat >"$work/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
MODULE_PATH = $module
init = 0
[req]
distinguished_name = dn
[dn]
EOF
eng() { OPENSSL_CONF=$work/openssl.cnf openssl "$@"; }
uri() { echo "pkcs11:token=$token;object=$1;type=private?pin-value=${2:-$pin}"; }

for k in eck rsak; do
	expect "openssl req -x509 with $k in the partition" 0 "" 'Engine "pkcs11" set.' -- \
		eng req -new -x509 -days 1 -subj "/CN=clonedev $k" -engine pkcs11 \
		-keyform engine -key "$(uri $k)" -out "$work/$k.pem"
	expect "openssl verify accepts the $k certificate" 0 "OK$" "" -- \
		openssl verify -CAfile "$work/$k.pem" "$work/$k.pem"
	openssl x509 -in "$work/$k.pem" -pubkey -noout >"$work/$k.pub"
done

# The RSA certificate's key is the imported key's public half.
openssl pkey -in "$keys/rsa2048.pem" -pubout -out "$work/rsa-file.pub" 2>/dev/null
run cmp "$work/rsak.pub" "$work/rsa-file.pub"
tap_result $RC "the RSA certificate carries the imported key's public key"

expect "a certificate made with a wrong PIN: refused" 1 "" "" -- \
	bash -c 'OPENSSL_CONF=$1 openssl req -new -x509 -days 1 -subj /CN=x \
		-engine pkcs11 -keyform engine -key "$2" -out "$3" 2>/dev/null' _ \
	"$work/openssl.cnf" "$(uri eck wrong-pin)" "$work/bad.pem"
run test -s "$work/bad.pem"
tap_result $((!RC)) "and no certificate written"

# RSA-OAEP (SHA-256, MGF1 SHA-256): encrypted by OpenSSL to the public key,
# decrypted in the partition.
head -c 100 /dev/urandom >"$work/msg"
oaep=(-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256
      -pkeyopt rsa_mgf1_md:sha256)
openssl pkeyutl -encrypt -pubin -inkey "$work/rsak.pub" "${oaep[@]}" \
	-in "$work/msg" -out "$work/msg.enc"
expect "RSA-OAEP: the engine decrypts what OpenSSL encrypted" 0 "" 'Engine "pkcs11" set.' -- \
	eng pkeyutl -decrypt -engine pkcs11 -keyform engine -inkey "$(uri rsak)" \
	"${oaep[@]}" -in "$work/msg.enc" -out "$work/msg.dec"
run cmp "$work/msg" "$work/msg.dec"
tap_result $RC "RSA-OAEP: the plaintext comes back"

# ECDH: PyKCS11 derives a generic secret (sensitive: only its check value
# is seen) from the partition's key and a fresh peer key; the peer's side
# computes the same secret with python3-cryptography.
expect "ECDH: the module's secret and OpenSSL's have one check value" 0 "^same kcv [0-9a-f]{6}$" "" -- \
	py - "$module" "$token" "$pin" <<'EOF'
import hashlib
import sys
import PyKCS11
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

module, token, pin = sys.argv[1:4]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = next(s for s in lib.getSlotList(tokenPresent=True)
            if lib.getTokenInfo(s).label.strip() == token)
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
s.login(pin)
priv = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                      (PyKCS11.CKA_LABEL, "eck")])[0]
pub = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
                     (PyKCS11.CKA_LABEL, "eck")])[0]
point = bytes(s.getAttributeValue(pub, [PyKCS11.CKA_EC_POINT])[0])
# CKA_EC_POINT is a DER OCTET STRING around 04 || X || Y.
assert point[0] == 4 and point[1] == 65, point.hex()
ours = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point[2:])
peer = ec.generate_private_key(ec.SECP256R1())
peer_point = peer.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
template = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
            (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_GENERIC_SECRET),
            (PyKCS11.CKA_VALUE_LEN, 32),
            (PyKCS11.CKA_LABEL, "ecdh-secret"),
            (PyKCS11.CKA_SIGN, True)]
secret = s.deriveKey(priv, template,
                     PyKCS11.ECDH1_DERIVE_Mechanism(peer_point))
kcv = bytes(s.getAttributeValue(secret, [PyKCS11.CKA_CHECK_VALUE])[0])
theirs = hashlib.sha256(peer.exchange(ec.ECDH(), ours)).digest()[:3]
s.destroyObject(secret)
s.logout()
print(("same kcv " if kcv == theirs else "kcv differs ") + kcv.hex())
EOF

# OpenSSH. ssh-keygen -D prints the public keys the module shows.
expect "ssh-keygen -D prints the partition's EC public key" 0 "^ecdsa-sha2-nistp256 AAAA" "" -- \
	ssh-keygen -D "$module"
out | awk '$1 == "ecdsa-sha2-nistp256"' >"$work/authorized_keys"
run ssh-keygen -l -f "$work/authorized_keys"
tap_result $RC "its line is a valid authorized_keys entry"
py - "$work/eck.pub" "$work/authorized_keys" <<'EOF' >"$TAP_OUT/out"
import base64
import sys
from cryptography.hazmat.primitives import serialization
cert = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
line = open(sys.argv[2]).read().split()
ssh = serialization.load_ssh_public_key(" ".join(line[:2]).encode())
print("same" if ssh == cert or ssh.public_numbers() == cert.public_numbers()
      else "different")
EOF
RC=0
out_matches '^same$' || RC=1
tap_result $RC "the key ssh sees is the one the certificate carries"

# An sshd on the guest's loopback that takes only that key.
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
mkdir -p /run/sshd
chmod 755 /run/sshd
cat >"$work/sshd_config" <<EOF
Port 2222
ListenAddress 127.0.0.1
HostKey $work/hostkey
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PidFile $work/sshd.pid
EOF
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 50); do
	[ -s "$work/sshd.pid" ] && break
	sleep 0.2
done
askpass() {
	printf '#!/bin/sh\necho %s\n' "$1" >"$work/askpass"
	chmod 700 "$work/askpass"
}
sshi() {
	SSH_ASKPASS=$work/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 120 ssh -F none -I "$module" -p 2222 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o BatchMode=no root@127.0.0.1 "$@" </dev/null
}
# (The login shell on the guest may print to standard error: only the
# status and the output are checked.)
askpass "$pin"
run sshi 'echo logged in as $(id -un)'
[ "$RC" -eq 0 ] && out_matches '^logged in as root$'
tap_result $? "ssh -I logs in with the partition's key"
askpass wrong-pin
run sshi 'echo logged in as $(id -un)'
[ "$RC" -eq 255 ] && ! out_matches 'logged in' &&
	grep -q "PIN incorrect" "$TAP_OUT/err" &&
	grep -q "Permission denied (publickey)" "$TAP_OUT/err"
tap_result $? "ssh -I with a wrong PIN: the PIN refused, no login"
[ -s "$work/sshd.pid" ] && kill "$(cat "$work/sshd.pid")"
run grep -c "^Accepted publickey for root" "$work/sshd.log"
[ "$(out)" = 1 ]
tap_result $? "sshd accepted exactly one login"

delete_all
tap_done
