#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl's domain commands as a po types them: domainlist with
# fingerprints (checked against an HMAC computed by python here),
# domainadd, domaindelete, domainchangelabel; two partitions brought to a
# shared text domain show the same fingerprint; domains survive a reload;
# every refusal in one sentence.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

# The fingerprint of a text domain, computed independently.
fingerprint() {
	python3 -c 'import hashlib, hmac, sys
print(hmac.new(sys.argv[1].encode(), b"clonedev domain fingerprint", hashlib.sha256).hexdigest()[:16])' "$1"
}

delete_all
for n in 1 2; do
	clonectl partition create -label "dom-$n" >/dev/null
	printf '%s\n' "slot set -slot $n" \
		"partition init -label dom-$n -domain secret-$n -domainlabel home-$n -password po-pw" |
		clonectl >/dev/null
done
po() { local s=$1; shift; printf '%s\n' "role login -slot $s -name po -password po-pw" "$@" | clonectl; }

expect "domainlist shows the primary and its fingerprint" 0 \
	"^home-1 +text +yes +$(fingerprint secret-1)$" "" -- po 1 "partition domainlist"
expect "a second domain needs policy 44" 1 "" \
	"clonectl: adding the domain: policy 44 (Allow extended domain management) is off, so the partition keeps its one domain; the po can turn it on with 'partition changepolicy -policy 44 -value 1'." -- \
	po 1 "partition domainadd -domain shared -domainlabel shared"
po 1 "partition changepolicy -policy 44 -value 1" >/dev/null
po 2 "partition changepolicy -policy 44 -value 1" >/dev/null
expect "domainadd" 0 "^Added cloning domain 'shared'\.$" "" -- \
	po 1 "partition domainadd -domain shared-secret -domainlabel shared"
expect "domainadd as the primary" 0 "^Added cloning domain 'corp' as the primary\.$" "" -- \
	po 2 "partition domainadd -domain shared-secret -domainlabel corp -primary"
expect "the shared domain on the first partition" 0 \
	"^shared +text +no +$(fingerprint shared-secret)$" "" -- po 1 "partition domainlist"
expect "the same fingerprint on the second, under another label" 0 \
	"^corp +text +yes +$(fingerprint shared-secret)$" "" -- po 2 "partition domainlist"
expect "domainlist as JSON" 0 \
	"\"label\":\"corp\",\"type\":\"text\",\"primary\":true,\"fingerprint\":\"$(fingerprint shared-secret)\"" "" -- \
	bash -c "printf '%s\n' 'role login -slot 2 -name po -password po-pw' 'partition domainlist' | clonectl --json"
expect "a label in use" 1 "" \
	"clonectl: adding the domain: the partition already has a domain labelled 'shared'." -- \
	po 1 "partition domainadd -domain x -domainlabel shared"
po 1 "partition domainadd -domain third -domainlabel third" >/dev/null
expect "three at most" 1 "" \
	"clonectl: adding the domain: the partition already has three domains, the most it may hold; delete one with 'partition domaindelete' first." -- \
	po 1 "partition domainadd -domain fourth -domainlabel fourth"
expect "domaindelete as the seed writes it: the label is asked for" 0 "^Deleted cloning domain 'third'\.$" "" -- \
	po 1 "partition domaindelete" "third"
expect "an unknown domain" 1 "" \
	"clonectl: deleting the domain: the partition has no domain labelled 'third'; 'partition domainlist' shows them." -- \
	po 1 "partition domaindelete -domainlabel third"
expect "relabel" 0 "^Cloning domain 'shared' is now 'partner'\.$" "" -- \
	po 1 "partition domainchangelabel -domainlabel shared -newlabel partner"
expect "move the primary mark" 0 "^Cloning domain 'partner' is now the primary\.$" "" -- \
	po 1 "partition domainchangelabel -domainlabel partner -primary"
expect "the primary moved" 0 "^partner +text +yes " "" -- po 1 "partition domainlist"
expect "relabel needs something to change" 1 "" "clonectl: give -newlabel, -primary or both." -- \
	po 1 "partition domainchangelabel -domainlabel partner"
expect "a bad label" 1 "" \
	"clonectl: adding the domain: a domain label is 1 to 32 printable characters and a text domain 1 to 128 characters." -- \
	po 1 "partition domainadd -domain x -domainlabel 0123456789012345678901234567890123"
expect "domains need the po" 1 "" \
	"clonectl: listing the domains: the po must be logged in; log in with 'role login -name po'." -- \
	bash -c "printf '%s\n' 'slot set -slot 1' 'partition domainlist' | clonectl"

before1=$(po 1 "partition domainlist")
before2=$(po 2 "partition domainlist")
rmmod clonedev && modprobe clonedev
[ "$(po 1 "partition domainlist")" = "$before1" ] &&
	[ "$(po 2 "partition domainlist")" = "$before2" ]
tap_result $? "domains, labels, primary marks and fingerprints survive a reload"
po 1 "partition domaindelete -domainlabel home-1" >/dev/null
expect "the last domain stays" 1 "" \
	"clonectl: deleting the domain: 'partner' is the partition's last domain, and a partition keeps at least one." -- \
	po 1 "partition domaindelete -domainlabel partner"

delete_all
tap_done
