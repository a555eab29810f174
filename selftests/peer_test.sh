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
# share (--zero-share) each side must refuse; that a recorded kernel
# handshake gives an offline guesser nothing to test a domain with; and
# that a fake peer (another secret under the same label) gets one guess
# per handshake on each side, ten in all until a po login, counted across
# a module reload. (make check runs the Python peer's own self-test once,
# on the host.)
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
peer=$PWD/selftests/peer/clonepeer.py
dir=$TAP_OUT/peer
mkdir -p "$dir"
py_start
# The Python target as "partition clone -peer" runs it, served by the same
# interpreter.
{
	echo '#!/bin/bash'
	declare -f _py py_file
	printf 'TAP_OUT=%q\n' "$TAP_OUT"
	printf 'py_file %q target "$@"\n' "$peer"
} >"$dir/target"
chmod +x "$dir/target"

expect "the Python peer reproduces the test vectors" 0 "" "" -- \
	py_file "$peer" vectors --check selftests/peer/vectors.json

# "ouid kcv label bits" lines, sorted: of a kernel slot (as its co sees
# it), of a Python report or objects file.
kernel_objects() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" "partition contents" |
		clonectl --json | tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["ouid"], o["kcv"], o["label"], o["bits"])' | sort
}
python_objects() {
	py 'import json,sys
for o in json.load(open(sys.argv[1]))["objects"]:
    if o.get("status", 0) == 0:
        print(o["ouid"], o["kcv"] if o["class"] in ("secret", "private", "public") else "-", o["label"], o["bits"])' "$1" | sort
}

partition() {	# LABEL DOMAIN: a password partition, co co-pw; prints its slot
	local slot
	slot=$(clonectl --json partition create -label "$1" | py 'import json,sys; print(json.load(sys.stdin)["slot"])')
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
       "p384-window2|--suites p384-aes256gcm --window 2|CPv4 (p384-aes256gcm)"
       "p256|--suites p256-aes256gcm|CPv4 (p256-aes256gcm)"
       "x25519|--suites x25519-chacha20poly1305|CPv4 (x25519-chacha20poly1305)"
       "cpv3|--protocols cpv1,cpv3|CPv3"
       "cpv1|--protocols cpv1|CPv1")
to_python() {	# OPTIONS REPORT STORE [DOMAIN [LABEL]]
	printf '%s\n' "role login -slot $src -name co -password co-pw" \
		"partition clone -objects all -peer '$dir/target --label ${5:-cross} --domain ${4:-cross-secret} $1 --report $2 --store $3 2>$dir/target.err'" |
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
# flights REPORT: the number of OBJECTs in each flight the source sent.
flights() {
	py 'import json, struct, sys
sys.path.insert(0, "selftests/peer")
import clonepeer as cp
for m in json.load(open(sys.argv[1]))["messages"]:
    msgs = cp.split_flight(bytes.fromhex(m))
    if msgs[0][5] == cp.OBJECT:
        print(len(msgs))' "$1" | tr '\n' ' '
}
[ "$(flights "$dir/to-p384.json")" = "9 " ]
tap_result $? "kernel -> Python: the kernel sends the nine objects in one flight (window 146)"
[ "$(flights "$dir/to-p384-window2.json")" = "2 2 2 2 1 " ]
tap_result $? "kernel -> Python with --window 2: the target chooses 2, flights of at most two OBJECTs"
expect "kernel -> Python again: the Python target skips what it holds" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 9 skipped, 0 failed\.$' "" -- \
	to_python "" "$dir/again.json" "$dir/store-p384.json"
expect "kernel -> Python with no domain of the same label: one error, nothing sent" 1 "" \
	"clonectl: cloning: slot $src and the peer share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one)." -- \
	to_python "" "$dir/other.json" "$dir/store-other.json" cross-secret other
expect "  and the Python target says why" 0 "" "" -- \
	grep -qx "clone failed: 2 domain-mismatch" "$dir/target.err"

# The Python source: each case a fresh kernel target steered by the
# Python side's offer.
py_file "$peer" make-objects --out "$dir/objects.json" >/dev/null
sent=$(python_objects "$dir/objects.json")
from_python() {	# SLOT OPTIONS REPORT [DOMAIN [LABEL]]
	# shellcheck disable=SC2086
	py_file "$peer" source --label "${5:-cross}" --domain "${4:-cross-secret}" --objects "$dir/objects.json" $2 \
		--report "$3" --connect "clonectl peer -slot $1 -password co-pw"
}
for c in "${cases[@]}"; do
	IFS='|' read -r name opts verdict <<<"$c"
	slot=$(partition "from-$name" cross-secret)
	proto=$(echo "$verdict" | sed 's/ .*//')
	suite=$(echo "$verdict" | sed -n 's/.*(\(.*\))/\1/p')
	run from_python "$slot" "$opts" "$dir/from-$name.json"
	py 'import json,sys
r = json.load(open(sys.argv[1]))
ok = r["error"] is None and r["protocol"] == sys.argv[2].lower() and \
     (r["suite"] or "") == sys.argv[3] and r["counts"]["copied"] >= 7
sys.exit(0 if ok else 1)' "$dir/from-$name.json" "$proto" "$suite"
	tap_result $? "Python -> kernel, $name: the clone completes over $verdict"
	got=$(kernel_objects "$slot")
	if [ "$name" = cpv1 ]; then
		expected=$(py 'import json,sys
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
py 'import json,sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["error"] is None and r["counts"]["copied"] == 0 and r["counts"]["skipped"] > 0 else 1)' "$dir/again-2.json"
tap_result $? "Python -> kernel again: the kernel skips every object it holds"
slot=$(partition from-other cross-secret)
run from_python "$slot" "" "$dir/other.json" cross-secret other
[ "$RC" -eq 1 ] && grep -q "2 domain-mismatch" "$TAP_OUT/err" &&
	[ "$(kernel_objects "$slot")" = "" ]
tap_result $? "Python -> kernel with no domain of the same label: error 2, the kernel holds nothing"

# What a second implementation found: records the kernel must refuse and a
# 32-character label it must keep whole.
py_file "$peer" make-tampered --out "$dir/tampered.json" >/dev/null
slot=$(partition from-tampered cross-secret)
run from_python "$slot" "--objects $dir/tampered.json" "$dir/tampered.json.report"
py 'import json,sys
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
h=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["results"][1]["handle"])' \
	"$dir/tampered.json.report")
[ "$h" != 0 ] && printf '%s\n' "role login -slot $slot -name co -password co-pw" "object show -handle $h" |
	clonectl --json | tail -n 1 | grep -q '"flags": *"private,sensitive"'
tap_result $? "  a received secret key sent without them is made private and sensitive"

# An all-zero X25519 share (u = 0) makes Z all zeros: each side refuses it.
run to_python "--suites x25519-chacha20poly1305 --zero-share" "$dir/zero.json" "$dir/store-zero.json"
[ "$RC" -eq 1 ] && grep -qx "clone failed: 5 auth" "$dir/target.err" &&
	py 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1]))["objects"] else 0)' "$dir/store-zero.json"
tap_result $? "kernel -> Python: the kernel source refuses an all-zero X25519 share in CHOICE (auth), nothing sent"
slot=$(partition from-zero cross-secret)
run from_python "$slot" "--suites x25519-chacha20poly1305 --zero-share" "$dir/from-zero.json"
[ "$RC" -eq 1 ] && grep -q "5 auth" "$TAP_OUT/err" && [ "$(kernel_objects "$slot")" = "" ]
tap_result $? "Python -> kernel: the kernel target refuses an all-zero X25519 share in CONFIRM (auth), stores nothing"

# Finding 6: a recorded handshake of the kernel (HELLO and CHOICE, as the
# Python target saw them) gives an offline guesser nothing to test a domain
# with: no fingerprint, no MAC, no value computable from the secret alone.
py - "$dir/to-p256.json" cross-secret <<'EOF' 2>&1 | tap_diag
import hashlib, hmac, json, sys
sys.path.insert(0, "selftests/peer")
import clonepeer as cp
msgs = [bytes.fromhex(m) for m in json.load(open(sys.argv[1]))["messages"]]
hello, choice, d = msgs[0], msgs[1], sys.argv[2].encode()
seen = hello + choice
fp = hmac.new(d, b"clonedev domain fingerprint", "sha256").digest()[:8]
w = cp.spake_w(d)
wm, wn = cp.ec_mul(w, cp.SPAKE_M), cp.ec_mul(w, cp.SPAKE_N)
ns, nt = hello[-32:], choice[32 + 11 + 32 + 6:32 + 11 + 32 + 6 + 32]
k_hs_v1 = cp.hkdf(d, ns + nt, b"clonedev 1 handshake", 32)
mac_t_v1 = hmac.new(k_hs_v1, b"target" + hashlib.sha256(hello + choice[:-32]).digest(),
                    "sha256").digest()
pb = choice[-65:]
bad = []
if hello[4] != 2 or choice[4] != 2:
    bad.append("version is not 2")
if fp in seen:
    bad.append("a domain fingerprint travels")
if w.to_bytes(32, "big") in seen or any(p[0].to_bytes(32, "big") in seen for p in (wm, wn)):
    bad.append("w, w*M or w*N travels")
if hmac.compare_digest(mac_t_v1, choice[-32:]):
    bad.append("CHOICE carries a MAC keyed from the domain alone")
if not cp.on_curve((int.from_bytes(pb[1:33], "big"), int.from_bytes(pb[33:], "big"))):
    bad.append("CHOICE does not end with the target's share pB")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
tap_result "${PIPESTATUS[0]}" "a recorded kernel HELLO and CHOICE: version 2, no fingerprint, no MAC or value an offline guesser could test a domain with"

# An RSA pair the kernel generated goes to the Python target, which checks
# the public half as docs/clone-protocol.md says, and comes back from the
# Python source to another kernel partition with the same KCVs.
rsa_src=$(partition rsa-source cross-secret)
printf '%s\n' "role login -slot $rsa_src -name co -password co-pw" \
	"object generate -keytype rsa -bits 2048 -label rsa-pair -id 0c" | clonectl >/dev/null
rsa_want=$(kernel_objects "$rsa_src")
rsa_to_python() {
	printf '%s\n' "role login -slot $rsa_src -name co -password co-pw" \
		"partition clone -objects all -peer '$dir/target --label cross --domain cross-secret --report $dir/rsa-to.json --store $dir/rsa-store.json 2>$dir/target.err'" |
		clonectl
}
expect "kernel -> Python: a generated RSA pair" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 2 copied, 0 skipped, 0 failed\.$' "" -- \
	rsa_to_python
[ "$(echo "$rsa_want" | wc -l)" = 2 ] && [ "$(python_objects "$dir/rsa-store.json")" = "$rsa_want" ]
tap_result $? "  the Python target holds both halves with their KCVs and sizes"
slot=$(partition rsa-back cross-secret)
run from_python "$slot" "--objects $dir/rsa-store.json" "$dir/rsa-back.json"
[ "$RC" -eq 0 ] && [ "$(kernel_objects "$slot")" = "$rsa_want" ]
tap_result $? "Python -> kernel: the RSA pair comes back whole"

# A fake target: the Python peer with another secret under the label
# "cross". Each clone is one guess at the source's domain, counted there;
# the eleventh is refused before any message, and a po login clears it.
locked() { echo "clonectl: cloning: cloning on $1 is locked after 10 failed cloning handshakes (a peer with another domain under the same label, or messages changed in transit); a po login on that partition clears it."; }
authmsg="clonectl: cloning: the handshake or a message failed authentication: the domains differ (the same label with another secret), or a message was changed in transit; the clone stopped and nothing from that message was stored."
fake=$dir/fake-target.json
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	run to_python "" "$dir/fake-$i.json" "$fake" wrong-secret
	if [ "$RC" -ne 1 ] || [ "$(err)" != "$authmsg" ] ||
		! grep -qx "clone failed: 5 auth" "$dir/target.err"; then
		echo "attempt $i: exit $RC: $(err)" | tap_diag
		ok=1
	fi
done
tap_result $ok "kernel -> a fake Python target (same label, another secret): ten attempts, each auth"
expect "  the eleventh is refused: cloning on the source is locked" 1 "" "$(locked "slot $src")" -- \
	to_python "" "$dir/fake-11.json" "$fake" wrong-secret
py 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1]))["objects"] else 0)' "$fake"
tap_result $? "  the fake target received no object"
expect "  and even a right target is refused while it lasts" 1 "" "$(locked "slot $src")" -- \
	to_python "" "$dir/right-locked.json" "$dir/store-right-locked.json"
printf '%s\n' "role login -slot $src -name po -password po-pw" | clonectl >/dev/null
expect "  a po login clears it: the source clones again" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 9 copied' "" -- \
	to_python "" "$dir/right.json" "$dir/store-right.json"

# A fake source against a kernel target ("clonectl peer"): each attempt is
# a MAC_S that fails, counted and stored before the answer; the count
# survives a module reload; a po login clears it.
slot=$(partition from-fake cross-secret)
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	run from_python "$slot" "" "$dir/fake-src-$i.json" wrong-secret
	if [ "$RC" -ne 1 ] || ! grep -q "clone failed: 5 auth" "$TAP_OUT/err"; then
		echo "attempt $i: exit $RC" | tap_diag
		err | tap_diag
		ok=1
	fi
done
tap_result $ok "a fake Python source (same label, another secret) -> kernel: ten attempts, each auth"
rmmod clonedev && modprobe clonedev
tap_result $? "  the module reloads"
run from_python "$slot" "" "$dir/fake-src-11.json" wrong-secret
[ "$RC" -eq 1 ] && grep -qxF "$(locked "slot $slot")" "$TAP_OUT/err" &&
	grep -q "clone failed: 9 aborted" "$TAP_OUT/err" && [ "$(kernel_objects "$slot")" = "" ]
ok=$?
[ $ok -eq 0 ] || err | tap_diag
tap_result $ok "  after the reload the eleventh is refused (the target is locked), nothing stored"
printf '%s\n' "role login -slot $slot -name po -password po-pw" | clonectl >/dev/null
run from_python "$slot" "" "$dir/fake-src-right.json"
py 'import json,sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["error"] is None and r["counts"]["copied"] >= 7 else 1)' "$dir/fake-src-right.json"
tap_result $? "  a po login clears it: the right source clones"
tap_done
