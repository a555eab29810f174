#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "partition clone" through clonectl: the seed's three procedures piped
# through the clonectl shell as the seed writes them, with only slot
# numbers, credentials (answered when asked) and object handles filled in:
# partition to partition, password to quorum, quorum to password. Then
# the status lines, the verdict, JSON, "clonectl peer" and -peer, and the
# refusals' sentences with nothing changed.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start
shares=$TAP_OUT/shares
mkdir -p "$shares"

# contents SLOT [CREDENTIAL-OPTION]: "LABEL KCV OUID" lines of the slot's
# objects, sorted, as its co sees them.
contents() {
	printf '%s\n' "role login -slot $1 -name co ${2:--password co-pw}" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["label"], o["kcv"], o["ouid"])' | sort
}

# same SLOT1 SLOT2 [CREDENTIAL-OPTION of SLOT2]: both hold the same objects.
same() {
	local a b
	a=$(contents "$1") b=$(contents "$2" "${3:-}")
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# A password partition with po po-pw, co co-pw, domain $2 ($3 its label).
password_partition() {
	clonectl partition create -label "$1" >/dev/null
	printf '%s\n' "slot set -slot $4" \
		"partition init -label $1 -domain $2 -domainlabel $3 -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" | clonectl >/dev/null
}

delete_all
password_partition alpha shared-secret shared 1
password_partition beta shared-secret shared 2
printf '%s\n' "slot set -slot 1" "role login -name co -password co-pw" \
	"object generate -keytype aes -bits 256 -label app-key" \
	"object generate -keytype ec-p384 -label signer" \
	"object create -label note -value hello" | clonectl >/dev/null

# The seed's basic procedure, its lines verbatim; the passwords are typed
# when asked, as a person would.
basic() {
	printf '%s\n' "slot set -slot 1" "role login -name co" "co-pw" \
		"partition contents" \
		"partition clone -slot 2 -objects $1" "co-pw" | clonectl
}
expect "seed: partition to partition, -objects all" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 4 copied, 0 skipped, 0 failed\.$' "" -- \
	basic all
expect "one status line per object" 0 "" "" -- \
	test "$(grep -c '^Object [0-9]*: copied (target handle [0-9]*)\.$' "$TAP_OUT/out")" = 4
expect "the target's objects match the source's: labels, KCVs, OUIDs" 0 "" "" -- \
	same 1 2
expect "the same clone again skips every object" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 4 skipped, 0 failed\.$' "" -- \
	basic all
expect "and says so for each" 0 "" "" -- \
	test "$(grep -c '^Object [0-9]*: skipped, the target holds it already (handle [0-9]*)\.$' "$TAP_OUT/out")" = 4

printf '%s\n' "slot set -slot 1" "role login -name co -password co-pw" \
	"object generate -keytype aes -bits 128 -label later" | clonectl >/dev/null
expect "seed: partition to partition, a list of handles" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 1 copied, 1 skipped, 0 failed\.$' "" -- \
	basic 1,5

# ---- password to quorum (the seed's second procedure) ----
clonectl partition create -label vault -auth quorum >/dev/null
clonectl partition init -slot 3 -label vault -domainlabel red -quorum 2/3 \
	-sharedir "$shares" >/dev/null
sf() { ls "$shares"/vault-*-"$1".share; }
printf '%s\n' "role login -slot 3 -name po -sharefiles $(sf po-1of3),$(sf po-2of3)" \
	"role init -name co -quorum 1/1 -sharedir $shares/co" \
	"partition changepolicy -policy 44 -value 1" | clonectl >/dev/null
to_quorum() {
	printf '%s\n' "slot set -slot 1" "partition showpolicies" \
		"slot set -slot 3" "role login -name po" \
		"$(sf po-1of3),$(sf po-3of3)" "partition domainlist" \
		"partition domainadd -domain shared-secret -domainlabel shared" \
		"slot set -slot 1" "role login -name co" "co-pw" \
		"partition contents" "partition clone -slot 3 -objects all" \
		"$shares/co" | clonectl
}
expect "seed: password partition to quorum partition" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 5 copied, 0 skipped, 0 failed\.$' "" -- \
	to_quorum
expect "the quorum partition holds the same objects" 0 "" "" -- \
	same 1 3 "-sharedir $shares/co"

# ---- quorum to password (the seed's third procedure) ----
password_partition gamma its-own own 4
printf '%s\n' "role login -slot 3 -name co -sharedir $shares/co" \
	"object generate -keytype aes -bits 192 -label vault-key" | clonectl >/dev/null
from_quorum() {
	printf '%s\n' "slot set -slot 4" "partition showpolicies" \
		"slot set -slot 3" "role login -name po" \
		"$(sf po-2of3),$(sf po-3of3)" "partition domainlist" \
		"partition domainadd -domain its-own -domainlabel own" \
		"slot set -slot 3" "role login -name co" "$shares/co" \
		"partition contents" "partition clone -slot 4 -objects all" \
		"co-pw" | clonectl
}
expect "seed: quorum partition to password partition" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 6 copied, 0 skipped, 0 failed\.$' "" -- \
	from_quorum

# ---- JSON, peer ----
expect "--json gives the protocol, suite, counts and each object" 0 \
	'^\{"protocol":"CPv4","suite":"p384-aes256gcm","copied":0,"skipped":5,"failed":0,"objects":\[\{"handle":1,"status":"skipped","target_handle":1\}' "" -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name co -password co-pw" "partition clone -slot 2 -objects all -password co-pw" | clonectl --json'
password_partition delta shared-secret shared 5
expect "-peer: the target served by 'clonectl peer' over a pipe" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 5 copied, 0 skipped, 0 failed\.$' \
	"clonectl peer: slot 5 received 5 objects over CPv4: 5 copied, 0 skipped, 0 failed." -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name co -password co-pw" "partition clone -objects all -peer \"clonectl peer -slot 5 -password co-pw\"" | clonectl'
expect "the peer's partition holds them" 0 "" "" -- \
	same 1 5

# ---- refusals ----
login_src() { printf '%s\n' "role login -slot 1 -name co -password co-pw" "$@" | clonectl; }
before=$(contents 4)
[ -n "$before" ] || echo "# slot 4's contents are empty" 
expect "a domain mismatch is one sentence and clones nothing" 1 "" \
	"clonectl: cloning: slot 1 and slot 4 share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one)." -- \
	login_src "partition clone -slot 4 -objects all -password co-pw"
expect "and slot 4 is as it was" 0 "" "" -- test "$(contents 4)" = "$before"
expect "a wrong target password" 1 "" \
	"clonectl: cloning: the target's co credential is wrong; this counts as a failed co login on slot 2." -- \
	login_src "partition clone -slot 2 -objects all -password nope"
expect "a handle that does not exist" 1 "" \
	"clonectl: cloning: an object in -objects does not exist on slot 1; 'partition contents' lists them." -- \
	login_src "partition clone -slot 2 -objects 1,99 -password co-pw"
expect "-objects that are not handles" 1 "" \
	"clonectl: -objects takes 'all' or handles H1,H2,... (numbers), not '1,x'." -- \
	login_src "partition clone -slot 2 -objects 1,x -password co-pw"
expect "the current slot as the target" 1 "" \
	"clonectl: the target slot 1 is the current slot; clone to another partition." -- \
	login_src "partition clone -slot 1 -objects all -password co-pw"
expect "no target" 1 "" "clonectl: give the target: -slot N (or -peer COMMAND)." -- \
	login_src "partition clone -objects all"
expect "without a login on the source" 1 "" \
	"clonectl: cloning needs the co (or, for public objects, the cu) logged in on the source slot 1." -- \
	sh -c 'printf "%s\n" "slot set -slot 1" "partition clone -slot 2 -objects all -password co-pw" | clonectl' 
expect "a peer that goes away" 1 "" \
	"clonectl: cloning: the peer 'true' ended the exchange (exit status 0) before the clone finished." -- \
	login_src "partition clone -objects all -peer true"
expect "peer without a credential" 1 "" \
	"clonectl: peer: standard input carries the clone, so give the co credential with -password, -sharefiles or -sharedir." -- \
	clonectl peer -slot 2
printf '%s\n' "role login -slot 2 -name po -password po-pw" \
	"partition changepolicy -policy 4 -value 0" | clonectl >/dev/null
printf '%s\n' "role login -slot 1 -name co -password co-pw" \
	"object generate -keytype aes -bits 256 -label refused" | clonectl >/dev/null
expect "policy 4 off on the target: a new secret key is refused" 1 \
	'^Clone finished with failures over CPv4 \(p384-aes256gcm\): 0 copied, 5 skipped, 1 failed\.$' "" -- \
	basic all
expect "the refusal says why" 0 "" "" -- \
	test "$(grep -c '^Object [0-9]*: refused: a cloning policy' "$TAP_OUT/out")" = 1
tap_done
