#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "partition archive backup|restore -file F" through clonectl
# (docs/archive-format.md): an archive written whole with mode 0600 and no
# temporary file left, never over an existing file without -overwrite;
# restored into the partition it came from and into another with the same
# domain (all, then selected objects); refused by a partition of another
# domain and when a byte was changed, with nothing restored; and read and
# written by the second implementation in selftests/peer/ both ways.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# contents SLOT: "LABEL KCV OUID" lines of the slot's objects, sorted.
contents() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["label"], o["kcv"], o["ouid"])' | sort
}

# handle SLOT LABEL: the handle of the object labelled LABEL.
handle() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
print(next(o["handle"] for o in json.load(sys.stdin)["objects"] if o["label"] == sys.argv[1]))' "$2"
}

# partition LABEL DOMAIN SLOT: po po-pw, co co-pw, the domain DOMAIN.
partition() {
	clonectl partition create -label "$1" >/dev/null
	printf '%s\n' "slot set -slot $3" \
		"partition init -label $1 -domain $2 -domainlabel $2 -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" | clonectl >/dev/null
}

# on SLOT LINE...: the lines in the shell with the co of SLOT logged in.
on() {
	local slot=$1

	shift
	printf '%s\n' "role login -slot $slot -name co -password co-pw" "$@" |
		clonectl
}

delete_all
partition app app-domain 1
partition twin app-domain 2
partition stranger other-domain 3
partition third app-domain 4
on 1 "object generate -keytype aes -bits 256 -label app-key" \
	"object generate -keytype ec-p256 -label signer" \
	"object create -label note -value hello" >/dev/null
file=$dir/app.cla

expect "an archive file of everything" 0 \
	"^Archived 4 objects of slot 1 to $file\.\$" "" -- \
	on 1 "partition archive backup -file $file"
expect "it is the owner's alone (0600)" 0 "" "" -- \
	test "$(stat -c %a "$file")" = 600
expect "and no temporary file is left" 0 "" "" -- \
	test "$(find "$dir" -type f | wc -l)" = 1
expect "no key material in plain form: not the note's value" 1 "" "" -- \
	grep -q hello "$file"
cp "$file" "$dir/first"
expect "an existing file is not overwritten" 1 "" \
	"clonectl: $file exists; give -overwrite to replace it, or another name." -- \
	on 1 "partition archive backup -file $file"
expect "it is as it was" 0 "" "" -- cmp -s "$file" "$dir/first"
expect "-overwrite replaces it" 0 "^Archived 4 objects " "" -- \
	on 1 "partition archive backup -file $file -overwrite"
expect "with a new archive (a fresh salt)" 1 "" "" -- \
	cmp -s "$file" "$dir/first"
expect "-slot and -file together are refused" 1 "" \
	"clonectl: give -slot N (a backup partition) or -file F (an archive file), one of them." -- \
	on 1 "partition archive backup -slot 2 -file $dir/x.cla"
expect "and no file is made" 1 "" "" -- test -e "$dir/x.cla"

expect "restore into its own partition: all held already" 0 \
	"^Restored $file to slot 1: 0 copied, 4 skipped \\(held already\\), 0 refused, 0 failed\\.\$" "" -- \
	on 1 "partition archive restore -file $file"
expect "restore into another partition of the domain" 0 \
	"^Restored $file to slot 2: 4 copied, 0 skipped " "" -- \
	on 2 "partition archive restore -file $file"
expect "it holds the same objects: labels, KCVs, OUIDs" 0 "" "" -- \
	test "$(contents 1)" = "$(contents 2)"
expect "an older archive of the same objects restores too: all skipped" 0 \
	"^Restored $dir/first to slot 2: 0 copied, 4 skipped " "" -- \
	on 2 "partition archive restore -file $dir/first"

note=$(handle 1 note)
expect "restore -objects: only the one named" 0 \
	"^Restored $file to slot 4: 1 copied, 0 skipped " "" -- \
	on 4 "partition archive restore -file $file -objects $note"
expect "which is the note" 0 "" "" -- \
	test "$(contents 4)" = "$(contents 1 | grep '^note ')"
expect "restore --json" 0 "" "" -- test "$(printf '%s\n' "role login -slot 4 -name co -password co-pw" \
	"partition archive restore -file $file" | clonectl --json 2>/dev/null | tail -n 1 | py 'import json,sys; d=json.load(sys.stdin); print(d["copied"], d["skipped"], d["failed"])')" = "3 1 0"

expect "a partition of another domain refuses it" 1 "" \
	"clonectl: $file is sealed under a cloning domain this partition does not hold; restore it to a partition that holds that domain (the po adds one with 'partition domainadd'). Nothing was restored." -- \
	on 3 "partition archive restore -file $file"
expect "nothing was restored there" 0 "" "" -- test -z "$(contents 3)"

py 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)' "$file" "$dir/bad.cla"
partition fourth app-domain 5
expect "a changed byte is refused" 1 "" \
	"clonectl: $dir/bad.cla is not an intact archive: it was changed, cut short or is not an archive file. Nothing was restored." -- \
	on 5 "partition archive restore -file $dir/bad.cla"
head -c 200 "$file" >"$dir/short.cla"
expect "so is a file cut short" 1 "" \
	"clonectl: $dir/short.cla is not an intact archive: it was changed, cut short or is not an archive file. Nothing was restored." -- \
	on 5 "partition archive restore -file $dir/short.cla"
expect "nothing was restored" 0 "" "" -- test -z "$(contents 5)"
expect "a missing file" 1 "" \
	"clonectl: cannot open $dir/none.cla: No such file or directory." -- \
	on 5 "partition archive restore -file $dir/none.cla"
# The second implementation (selftests/peer/clonepeer.py) reads what the
# kernel wrote, and the kernel reads what it wrote.
peer=$PWD/selftests/peer/clonepeer.py
# peer_objects FILE: "LABEL KCV OUID" lines of a Python store or objects
# file (a data object's KCV is "-", as clonectl shows it).
peer_objects() {
	py 'import json,sys
for o in json.load(open(sys.argv[1]))["objects"]:
    print(o["label"], "-" if o["class"] == "data" else o["kcv"], o["ouid"])' "$1" | sort
}
expect "the Python peer restores a kernel-made archive" 0 "" "" -- \
	py_file "$peer" archive-read --domain app-domain --in "$file" \
	--store "$dir/peer-store.json" --report "$dir/peer.json"
expect "  every object, with its label, KCV and OUID" 0 "" "" -- \
	test "$(peer_objects "$dir/peer-store.json")" = "$(contents 1)"
expect "  and refuses it without the domain" 1 "" \
	"clonepeer: archive refused: EKEYREJECTED: no domain with this fingerprint" -- \
	py_file "$peer" archive-read --domain other-domain --in "$file" \
	--store "$dir/peer-none.json"
# The error's words name the record that failed: the report is checked.
quiet() { "$@" 2>/dev/null; }
expect "  and refuses the changed one" 1 "" "" -- \
	quiet py_file "$peer" archive-read --domain app-domain --in "$dir/bad.cla" \
	--store "$dir/peer-none.json" --report "$dir/peer-bad.json"
expect "  as EBADMSG" 0 "" "" -- test "$(py 'import json,sys
print(json.load(open(sys.argv[1]))["error"])' "$dir/peer-bad.json")" = EBADMSG
py_file "$peer" make-objects --out "$dir/peer-objects.json" --rsa 2048 >/dev/null
py_file "$peer" archive-write --domain app-domain --objects "$dir/peer-objects.json" \
	--out "$dir/peer.cla"
partition sixth app-domain 6
expect "the kernel restores a Python-made archive" 0 \
	"^Restored $dir/peer.cla to slot 6: 9 copied, 0 skipped \\(held already\\), 0 refused, 0 failed\\.\$" "" -- \
	on 6 "partition archive restore -file $dir/peer.cla"
expect "  every object, with its label, KCV and OUID" 0 "" "" -- \
	test "$(contents 6)" = "$(peer_objects "$dir/peer-objects.json")"
py_file "$peer" archive-write --domain other-domain --objects "$dir/peer-objects.json" \
	--out "$dir/peer-other.cla"
expect "  one sealed under another domain is refused" 1 "" \
	"clonectl: $dir/peer-other.cla is sealed under a cloning domain this partition does not hold; restore it to a partition that holds that domain (the po adds one with 'partition domainadd'). Nothing was restored." -- \
	on 5 "partition archive restore -file $dir/peer-other.cla"
delete_all
tap_done
