#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-implementation cloning: the kernel's engine against
# selftests/peer/clonepeer.py, a second implementation written from
# docs/clone-protocol.md alone, both ways and over every protocol and
# suite: a kernel partition clones to the Python target through
# "partition clone -peer", and the Python source clones to a kernel
# partition served by "clonectl peer". What arrives must have the OUIDs,
# labels (32 characters too), sizes and key check values that left. Also:
# the test vectors, skip-existing, a domain mismatch, records the kernel
# target must refuse (clonepeer.py make-tampered) and an all-zero X25519
# share (--zero-share) each side must refuse. (make check runs the Python peer's
# own self-test once, on the host.)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
peer=$PWD/selftests/peer/clonepeer.py
dir=$TAP_OUT/peer
mkdir -p "$dir"

expect "the Python peer reproduces the test vectors" 0 "" "" -- \
	"$peer" vectors --check selftests/peer/vectors.json

# "ouid kcv label bits" lines, sorted: of a kernel slot (as its co sees
# it), of a Python report or objects file.
kernel_objects() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" "partition contents" |
		clonectl --json | tail -n 1 | python3 -c 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["ouid"], o["kcv"], o["label"], o["bits"])' | sort
}
python_objects() {
	python3 -c 'import json,sys
for o in json.load(open(sys.argv[1]))["objects"]:
    if o.get("status", 0) == 0:
        print(o["ouid"], o["kcv"] if o["class"] in ("secret", "private", "public") else "-", o["label"], o["bits"])' "$1" | sort
}

partition() {	# LABEL DOMAIN: a password partition, co co-pw; prints its slot
	local slot
	slot=$(clonectl --json partition create -label "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["slot"])')
	printf '%s\n' "slot set -slot $slot" \
		"partition init -label $1 -domain $2 -domainlabel cross -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" | clonectl >/dev/null
	echo "$slot"
}

delete_all
src=$(partition kernel-source cross-secret)
printf '%s\n' "role login -slot $src -name co -password co-pw" \
	"object generate -keytype aes -bits 256 -label aes256 -id 01" \
	"object generate -keytype aes -bits 128 -label aes128" \
	"object generate -keytype generic -bits 160 -label hmac-key" \
	"object generate -keytype ec-p256 -label p256" \
	"object generate -keytype ec-p384 -label p384" \
	"object import -file build/keys/rsa2048.pem -label rsa" \
	"object create -label note-with-a-label-of-32-chars-xy -value hello" | clonectl >/dev/null
want=$(kernel_objects "$src")
[ "$(echo "$want" | wc -l)" = 9 ] || echo "the source does not hold 9 objects" | tap_diag

# name, Python target options, protocol and suite the verdict names.
cases=("p384|--suites p384-aes256gcm|CPv4 (p384-aes256gcm)"
       "p256|--suites p256-aes256gcm|CPv4 (p256-aes256gcm)"
       "x25519|--suites x25519-chacha20poly1305|CPv4 (x25519-chacha20poly1305)"
       "cpv3|--protocols cpv1,cpv3|CPv3"
       "cpv1|--protocols cpv1|CPv1")
to_python() {	# OPTIONS REPORT STORE [DOMAIN]
	printf '%s\n' "role login -slot $src -name co -password co-pw" \
		"partition clone -objects all -peer '$peer target --domain ${4:-cross-secret} $1 --report $2 --store $3 2>$dir/target.err'" |
		clonectl
}
for c in "${cases[@]}"; do
	IFS='|' read -r name opts verdict <<<"$c"
	if [ "$name" = cpv1 ]; then
		# CPv1's 1024-byte slot: the RSA-2048 key is a length error.
		line="^Clone finished with failures over $verdict: 8 copied, 0 skipped, 1 failed\.\$"
	else
		line="^Clone complete over ${verdict//(/\\(}: 9 copied, 0 skipped, 0 failed\.\$"
		line=${line//)/\\)}
	fi
	expect "kernel -> Python, $name" "$([ "$name" = cpv1 ] && echo 1 || echo 0)" \
		"$line" "" -- to_python "$opts" "$dir/to-$name.json" "$dir/store-$name.json"
	cp "$TAP_OUT/out" "$dir/out-$name"
	if [ "$name" = cpv1 ]; then
		expect "  the RSA key is reported too large for the slot" 0 "" "" -- \
			grep -q "^Object [0-9]*: failed: larger than the target's CPv1 object slot" "$dir/out-$name"
		expect "  what arrived is what left (all but the RSA key)" 0 "" "" -- \
			test "$(python_objects "$dir/to-$name.json")" = "$(echo "$want" | grep -v ' rsa ')"
	else
		expect "  what arrived is what left: OUIDs, KCVs, labels, sizes" 0 "" "" -- \
			test "$(python_objects "$dir/to-$name.json")" = "$want"
	fi
done
expect "kernel -> Python again: the Python target skips what it holds" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 9 skipped, 0 failed\.$' "" -- \
	to_python "" "$dir/again.json" "$dir/store-p384.json"
expect "kernel -> Python with another domain: one error, nothing sent" 1 "" \
	"clonectl: cloning: slot $src and the peer share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one)." -- \
	to_python "" "$dir/other.json" "$dir/store-other.json" other-secret
expect "  and the Python target says why" 0 "" "" -- \
	grep -qx "clone failed: 2 domain-mismatch" "$dir/target.err"

# The Python source: each case a fresh kernel target steered by the
# Python side's offer.
"$peer" make-objects --out "$dir/objects.json" >/dev/null
sent=$(python_objects "$dir/objects.json")
from_python() {	# SLOT OPTIONS REPORT
	# shellcheck disable=SC2086
	"$peer" source --domain cross-secret --objects "$dir/objects.json" $2 \
		--report "$3" --connect "clonectl peer -slot $1 -password co-pw"
}
for c in "${cases[@]}"; do
	IFS='|' read -r name opts verdict <<<"$c"
	slot=$(partition "from-$name" cross-secret)
	proto=$(echo "$verdict" | sed 's/ .*//')
	suite=$(echo "$verdict" | sed -n 's/.*(\(.*\))/\1/p')
	run from_python "$slot" "$opts" "$dir/from-$name.json"
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
ok = r["error"] is None and r["protocol"] == sys.argv[2].lower() and \
     (r["suite"] or "") == sys.argv[3] and r["counts"]["copied"] >= 7
sys.exit(0 if ok else 1)' "$dir/from-$name.json" "$proto" "$suite"
	tap_result $? "Python -> kernel, $name: the clone completes over $verdict"
	got=$(kernel_objects "$slot")
	if [ "$name" = cpv1 ]; then
		expected=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
print("\n".join(sorted(x["ouid"] for x in r["results"] if x["status"] == 0)))' "$dir/from-$name.json")
		[ -n "$got" ] && [ "$(echo "$got" | cut -d" " -f1)" = "$expected" ]
	else
		[ -n "$got" ] && [ "$got" = "$sent" ]
	fi
	tap_result $? "  the kernel holds what the Python source sent: OUIDs, KCVs, labels, sizes"
done
slot=$(partition from-again cross-secret)
from_python "$slot" "" "$dir/again-1.json" 2>/dev/null
run from_python "$slot" "" "$dir/again-2.json"
python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["error"] is None and r["counts"]["copied"] == 0 and r["counts"]["skipped"] > 0 else 1)' "$dir/again-2.json"
tap_result $? "Python -> kernel again: the kernel skips every object it holds"
slot=$(partition from-other other-secret)
run from_python "$slot" "" "$dir/other.json"
[ "$RC" -eq 1 ] && grep -q "2 domain-mismatch" "$TAP_OUT/err" &&
	[ "$(kernel_objects "$slot")" = "" ]
tap_result $? "Python -> kernel with another domain: error 2, the kernel holds nothing"

# What a second implementation found: records the kernel must refuse and a
# 32-character label it must keep whole.
"$peer" make-tampered --out "$dir/tampered.json" >/dev/null
slot=$(partition from-tampered cross-secret)
run from_python "$slot" "--objects $dir/tampered.json" "$dir/tampered.json.report"
python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
got = [(x["label"], x["status"]) for x in r["results"]]
ok = r["error"] is None and [x[1] for x in got] == [0, 0] + [4] * 8
if not ok:
    print("# got %s, error %s" % (got, r["error"]))
sys.exit(0 if ok else 1)' "$dir/tampered.json.report"
tap_result $? "Python -> kernel: an EC point zero or off the curve, data with wrong bits or KCV, bytes after the id or the label's NUL, status 1, another key under a held OUID: each status 4"
held=$(kernel_objects "$slot")
[ "$(echo "$held" | cut -d" " -f3 | sort | tr '\n' ' ')" = "encrypt-only label-of-thirty-two-characters-x " ]
ok=$?
[ $ok -eq 0 ] || echo "$held" | tap_diag
tap_result $ok "  the kernel holds only the two valid keys, the 32-character label whole"
h=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][1]["handle"])' \
	"$dir/tampered.json.report")
[ "$h" != 0 ] && printf '%s\n' "role login -slot $slot -name co -password co-pw" "object show -handle $h" |
	clonectl --json | tail -n 1 | grep -q '"flags": *"private,sensitive"'
tap_result $? "  a received secret key sent without them is made private and sensitive"

# An all-zero X25519 share (u = 0) makes Z all zeros: each side refuses it.
run to_python "--suites x25519-chacha20poly1305 --zero-share" "$dir/zero.json" "$dir/store-zero.json"
[ "$RC" -eq 1 ] && grep -qx "clone failed: 5 auth" "$dir/target.err" &&
	python3 -c 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1]))["objects"] else 0)' "$dir/store-zero.json"
tap_result $? "kernel -> Python: the kernel source refuses an all-zero X25519 share in CHOICE (auth), nothing sent"
slot=$(partition from-zero cross-secret)
run from_python "$slot" "--suites x25519-chacha20poly1305 --zero-share" "$dir/from-zero.json"
[ "$RC" -eq 1 ] && grep -q "5 auth" "$TAP_OUT/err" && [ "$(kernel_objects "$slot")" = "" ]
tap_result $? "Python -> kernel: the kernel target refuses an all-zero X25519 share in CONFIRM (auth), stores nothing"
tap_done
