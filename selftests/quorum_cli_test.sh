#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quorum partitions through clonectl, as the seed's cross-type procedures
# need them: a quorum partition initialized with share files for its po
# and its quorum domain; logins with share files (-sharefiles, -sharedir);
# a quorum co; a quorum domain imported into a password partition, and a
# text domain added to the quorum partition, each leaving both partitions
# with the same fingerprint (which python recomputes here from the share
# files, an independent Shamir implementation); share files that are
# damaged, foreign, repeated or too few; everything after a reload.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start
shares=$TAP_OUT/shares
rm -rf "$shares" && mkdir -p "$shares/co" "$shares/bad"

# The fingerprint of the quorum secret that share files $@ combine to.
combine_fingerprint() {
	py - "$@" <<'EOF'
import hashlib, hmac, sys
def mul(a, b):
    r = 0
    while b:
        if b & 1: r ^= a
        a <<= 1
        if a & 0x100: a ^= 0x11b
        b >>= 1
    return r
def inv(a):
    return next(x for x in range(1, 256) if mul(a, x) == 1)
pts = []
for path in sys.argv[1:]:
    f = dict(l.split(" ", 1) for l in open(path).read().splitlines()[1:])
    pts.append((int(f["index"]), bytes.fromhex(f["share"].strip())))
secret = bytearray(32)
for j, (xj, yj) in enumerate(pts):
    num = den = 1
    for i, (xi, _) in enumerate(pts):
        if i != j:
            num, den = mul(num, xi), mul(den, xi ^ xj)
    l = mul(num, inv(den))
    for b in range(32):
        secret[b] ^= mul(l, yj[b])
print(hmac.new(bytes(secret), b"clonedev domain fingerprint", hashlib.sha256).hexdigest()[:16])
EOF
}
f() { ls "$shares"/vault-*-"$1".share; }

delete_all
clonectl partition create -label vault -auth quorum >/dev/null
clonectl partition create -label pw-part >/dev/null
expect "partition init -quorum" 0 "^The domain 'red': 3 shares, any 2 of them import it elsewhere:$" "" -- \
	clonectl partition init -slot 1 -label vault -domainlabel red -quorum 2/3 -sharedir "$shares"
count() { local n=0 x; for x in "$@"; do [ -e "$x" ] && n=$((n + 1)); done; echo "$n"; }
expect "share files for the po and the domain, told apart by name" 0 "" "" -- \
	test "$(count "$shares"/vault-*-po-[123]of3.share "$shares"/vault-*-domain-red-[123]of3.share)" = 6
fp=$(combine_fingerprint "$(f domain-red-1of3)" "$(f domain-red-3of3)")
po() { printf '%s\n' "role login -slot 1 -name po -sharefiles $(f po-1of3),$(f po-2of3)" "$@" | clonectl; }
expect "the domain's fingerprint is what its shares combine to" 0 "^red +quorum +yes +$fp$" "" -- \
	po "partition domainlist"
expect "role init -quorum" 0 "^The co role is initialized: 2 shares, any 1 of them log in:$" "" -- \
	po "role init -name co -quorum 1/2 -sharedir $shares/co"
expect "role login -sharedir" 0 "^Logged in as co\.$" "" -- \
	clonectl role login -slot 1 -name co -sharedir "$shares/co"
# A quorum past 32 bits once wrapped around (4294967298/3 read as 2/3).
expect "a quorum past 32 bits" 1 "" \
	"clonectl: -quorum takes M/N with 1 <= M <= N <= 16, such as 2/3; '4294967298/3' is not that." -- \
	po "role init -name cu -quorum 4294967298/3 -sharedir $shares/cu"
expect "and no share file was written" 0 "" "" -- test ! -e "$shares/cu"

# Cross-type 1: the quorum domain imported into a password partition.
printf '%s\n' "slot set -slot 2" \
	"partition init -label pw-part -domain pw-secret -domainlabel blue -password po-pw" \
	"role login -name po -password po-pw" "partition changepolicy -policy 44 -value 1" |
	clonectl >/dev/null
pw() { printf '%s\n' "role login -slot 2 -name po -password po-pw" "$@" | clonectl; }
expect "domainadd -domainshares" 0 "^Added cloning domain 'red'\.$" "" -- \
	pw "partition domainadd -domainshares $(f domain-red-2of3),$(f domain-red-1of3) -domainlabel red"
expect "the password partition shows the quorum domain's fingerprint" 0 "^red +quorum +no +$fp$" "" -- \
	pw "partition domainlist"

# Cross-type 2: a text domain added to the quorum partition.
po "partition changepolicy -policy 44 -value 1" >/dev/null
expect "a text domain on the quorum partition" 0 "^Added cloning domain 'blue'\.$" "" -- \
	po "partition domainadd -domain pw-secret -domainlabel blue"
blue=$(pw "partition domainlist" | awk '$1 == "blue" { print $4 }')
expect "the same fingerprint on both" 0 "^blue +text +no +$blue$" "" -- po "partition domainlist"

# Wrong share files: each its own error, nothing counted or changed.
sed 's/^index 1$/index 2/' "$(f po-1of3)" >"$shares/bad/damaged.share"
clonectl partition create -label other -auth quorum >/dev/null
expect "a quorum init without -domainlabel names the domain 'primary'" 0 \
	"^The domain 'primary': 2 shares, any 2 of them import it elsewhere:$" "" -- \
	clonectl partition init -slot 3 -label other -quorum 2/2 -sharedir "$shares/bad"
other_po=$(ls "$shares"/bad/other-*-po-1of2.share)
expect "a damaged share file" 1 "" \
	"clonectl: '$shares/bad/damaged.share' is not a share file, or it is damaged (its check does not match)." -- \
	clonectl role login -slot 1 -name po -sharefiles "$shares/bad/damaged.share,$(f po-2of3)"
expect "a share of another partition" 1 "" \
	"clonectl: '$other_po' belongs to partition 'other' (serial $(awk '/^serial/ { print $2 }' "$other_po")), not to this one." -- \
	clonectl role login -slot 1 -name po -sharefiles "$other_po,$(f po-2of3)"
expect "a domain share for a login" 1 "" \
	"clonectl: '$(f domain-red-1of3)' is a domain share, not a po share." -- \
	clonectl role login -slot 1 -name po -sharefiles "$(f domain-red-1of3),$(f po-2of3)"
expect "the same share twice" 1 "" \
	"clonectl: '$(f po-2of3)' and '$(f po-2of3)' are the same share (2 of 3)." -- \
	clonectl role login -slot 1 -name po -sharefiles "$(f po-2of3),$(f po-2of3)"
expect "too few shares" 1 "" "clonectl: the po secret needs 2 of its 3 shares; 1 was given." -- \
	clonectl role login -slot 1 -name po -sharefiles "$(f po-2of3)"
expect "shares of different domains" 1 "" \
	"clonectl: '$(f domain-red-1of3)' and '$(ls "$shares"/bad/other-*-domain-primary-1of2.share)' are shares of different secrets." -- \
	pw "partition domainadd -domainshares $(f domain-red-1of3),$(ls "$shares"/bad/other-*-domain-primary-1of2.share) -domainlabel x"
expect "new shares never overwrite old ones" 1 "" \
	"clonectl: '$(f po-1of3)' exists already; move the old share files away first." -- \
	po "partition init -label vault -domainlabel red -quorum 2/3 -sharedir $shares"
expect "a domain the partition holds already" 1 "" \
	"clonectl: adding the domain: the partition holds this domain already, under another label; 'partition domainlist' shows it." -- \
	pw "partition domainadd -domainshares $(f domain-red-3of3),$(f domain-red-1of3) -domainlabel red-again"
expect "and the partition was left as it was" 0 "^red +quorum +yes +$fp$" "" -- \
	po "partition domainlist"
expect "a password for a quorum partition" 1 "" \
	"clonectl: logging in: this is a quorum partition; log in with -sharefiles F1,F2,... or -sharedir DIR." -- \
	clonectl role login -slot 1 -name po -password guess
expect "no failed login was counted" 0 "^  po: initialized, 0 failed logins in a row$" "" -- \
	clonectl role show -slot 1

# The one-shot key-use commands log in with the role's shares.
head -c 32 /dev/urandom >"$TAP_OUT/q.key"
head -c 1000 /dev/urandom >"$TAP_OUT/q.data"
printf '%s\n' "role login -slot 1 -name co -sharedir $shares/co" \
	"object import -file $TAP_OUT/q.key -keytype generic -label qmac" | clonectl >/dev/null
expect "object sign -role co -sharedir on a quorum partition" 0 "" "" -- \
	clonectl object sign -slot 1 -role co -sharedir "$shares/co" -label qmac \
	-mech hmac -in "$TAP_OUT/q.data" -out "$TAP_OUT/q.sig"
py '
import hashlib, hmac, sys
key, data, sig = (open(f, "rb").read() for f in sys.argv[1:])
sys.exit(hmac.new(key, data, hashlib.sha256).digest() != sig)' \
	"$TAP_OUT/q.key" "$TAP_OUT/q.data" "$TAP_OUT/q.sig"
tap_result $? "the MAC is HMAC-SHA-256 under the imported key"
expect "object verify -role co -sharefiles" 0 '^Signature verified\.$' "" -- \
	clonectl object verify -slot 1 -role co -sharefiles "$(ls "$shares"/co/*-co-1of2.share)" \
	-label qmac -mech hmac -in "$TAP_OUT/q.data" -sig "$TAP_OUT/q.sig"
expect "a key-use command with a password before the co has a challenge" 1 "" \
	"clonectl: logging in: the co role has no password (on a quorum partition: no challenge password) yet; the po sets it with 'role init -name co' ('role setchallenge -name co')." -- \
	clonectl object sign -slot 1 -role co -password guess -label qmac -mech hmac \
	-in "$TAP_OUT/q.data" -out "$TAP_OUT/q2.sig"
expect "a password and share files together" 1 "" \
	"clonectl: log in with -password or with share files, not both." -- \
	clonectl object sign -slot 1 -role co -password guess -sharedir "$shares/co" \
	-label qmac -mech hmac -in "$TAP_OUT/q.data" -out "$TAP_OUT/q2.sig"
[ ! -e "$TAP_OUT/q2.sig" ]
tap_result $? "and neither left an output file"

# Activation: the co's challenge password once its secret is cached.
expired="clonectl: logging in: a quorum partition takes the co's challenge password only while it is activated and the co's secret is cached; log in with its shares (after 'partition activate')."
expect "activation needs policy 22" 1 "" \
	"clonectl: activating the partition: policy 22 (Allow activation) is off; the po can turn it on with 'partition changepolicy -policy 22 -value 1'." -- \
	po "partition activate"
po "partition changepolicy -policy 22 -value 1" >/dev/null
expect "role setchallenge" 0 "^The co challenge password is set\.$" "" -- \
	po "role setchallenge -name co -challenge chal"
expect "partition activate" 0 "^The partition is activated: the next co or cu login with shares caches its secret\.$" "" -- \
	po "partition activate"
expect "a challenge before the secret is cached" 1 "" "$expired" -- \
	clonectl role login -slot 1 -name co -password chal
clonectl role login -slot 1 -name co -sharedir "$shares/co" >/dev/null
expect "the challenge alone once it is cached" 0 "^Logged in as co\.$" "" -- \
	clonectl role login -slot 1 -name co -password chal
expect "role show tells" 0 "^  co: initialized, 0 failed logins in a row, challenge set, secret cached$" "" -- \
	clonectl role show -slot 1
expect "role changepw on a quorum partition is refused" 1 "" \
	"clonectl: changing the password: a quorum partition's co logs in with M-of-N shares, not a password; its secret changes only through new shares, which the po makes with 'role init -name co -quorum M/N -sharedir DIR'." -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name co -password chal" "role changepw -oldpw chal -newpw newpw" | clonectl'
expect "the shares still log in" 0 "^Logged in as co\.$" "" -- \
	clonectl role login -slot 1 -name co -sharedir "$shares/co"
expect "the refused password does not" 1 "" \
	"clonectl: logging in: the co password is wrong." -- \
	clonectl role login -slot 1 -name co -password newpw
expect "a password partition is not activated" 1 "" \
	"clonectl: activating the partition: only quorum partitions are activated." -- \
	pw "partition activate"

before1=$(po "partition domainlist")
before2=$(pw "partition domainlist")
rmmod clonedev && modprobe clonedev
[ "$(po "partition domainlist")" = "$before1" ] && [ "$(pw "partition domainlist")" = "$before2" ]
tap_result $? "quorum credentials and domains survive a reload"
expect "unloading the module wiped the cached secret" 1 "" "$expired" -- \
	clonectl role login -slot 1 -name co -password chal
expect "the quorum co after a reload" 0 "^Logged in as co\.$" "" -- \
	clonectl role login -slot 1 -name co -sharefiles "$(ls "$shares"/co/*-co-2of2.share)"

delete_all
tap_done
