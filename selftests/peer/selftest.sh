#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonepeer.py against itself, with no kernel: a python source clones to a
# python target over pipes with every protocol and suite, then
# skip-existing, CPv1 too-large, record validation (make-tampered too),
# an oversized frame, a sealed message of the wrong length,
# an all-zero X25519 share, FIPS, domain and
# protocol refusals, a tampering relay, a 1100-object CPv4 clone (two
# epochs) and the test vectors (the file's and the document's). Prints
# TAP; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../tap.sh
. selftests/tap.sh

PY=/usr/bin/python3
PEER="$PY $PWD/selftests/peer/clonepeer.py"
W=$TAP_OUT/w
mkdir -p "$W"

# clone NAME SOURCE-OPTIONS... -- TARGET-OPTIONS...: one clone, with the
# reports in $W/NAME.src.json and $W/NAME.tgt.json, the status in RC.
clone()
{
	local name=$1 src=()
	shift
	while [ "$1" != -- ]; do
		src+=("$1")
		shift
	done
	shift
	$PEER source --report "$W/$name.src.json" "${src[@]}" \
		--connect "$PEER target --report $W/$name.tgt.json $*" 2>"$W/$name.err"
	RC=$?
}

# check FILE EXPR: EXPR (python, the JSON document is r) holds for FILE.
check()
{
	$PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

# same_objects OBJECTS STORE: the store holds exactly these objects.
same_objects()
{
	$PY - "$1" "$2" <<'EOF'
import json, sys
keys = ("class", "key_type", "bits", "flags", "label", "id", "ouid", "kcv", "value")
a, b = (json.load(open(p))["objects"] for p in sys.argv[1:3])
attrs = lambda objs: sorted(tuple(o[k] for k in keys) for o in objs)
sys.exit(0 if attrs(a) == attrs(b) else 1)
EOF
}

# result NAME EXPECT DESC: EXPECT, a python condition on RC, the source
# report s and the target report t, holds (counts(copied=N, ...) makes the
# counts of a report).
result()
{
	local name=$1 expect=$2 desc=$3 ok=1
	if $PY - "$W/$name.src.json" "$W/$name.tgt.json" "$expect" <<'EOF'; then
import json, sys
s, t = (json.load(open(p)) for p in sys.argv[1:3])
def counts(copied=0, skipped=0, refused=0, failed=0):
    return dict(copied=copied, skipped=skipped, refused=refused, failed=failed)
sys.exit(0 if eval("(" + sys.argv[3] + ")") else 1)
EOF
		ok=0
	fi
	[ $ok -ne 0 ] && tap_diag <"$W/$name.err"
	tap_result $ok "$desc"
}

cat >"$W/relay.py" <<'EOF'
# relay.py DIR INDEX OFFSET CMD: relays between stdin/stdout and CMD,
# flipping the low bit of byte OFFSET of message INDEX going DIR (s: source
# to target, t: target to source); OFFSET cut takes the message's last
# byte off and makes its header's body length say so.
import struct, subprocess, sys, threading
direction, index, offset, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
peer = subprocess.Popen(["sh", "-c", cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def pump(name, rfile, wfile):
    n = 0
    while True:
        head = rfile.read(4)
        size = struct.unpack(">I", head)[0] if len(head) == 4 else 0
        msg = bytearray(rfile.read(size))
        if name == direction and n == index and offset == "cut":
            msg = msg[:-1]
            struct.pack_into(">I", msg, 28, len(msg) - 32)
        elif name == direction and n == index:
            msg[int(offset)] ^= 1
        n += 1
        try:
            wfile.write(struct.pack(">I", len(msg)) + msg)
            wfile.flush()
        except BrokenPipeError:
            return
        if not size:
            return

threads = [threading.Thread(target=pump, args=("s", sys.stdin.buffer, peer.stdin)),
           threading.Thread(target=pump, args=("t", peer.stdout, sys.stdout.buffer))]
for t in threads:
    t.start()
threads[0].join()
peer.stdin.close()
peer.wait()
EOF

run $PEER vectors --check selftests/peer/vectors.json
tap_result "$RC" "the test vectors match selftests/peer/vectors.json"
run $PEER vectors --check selftests/peer/vectors.json --doc docs/clone-protocol.md
[ "$RC" -ne 0 ] && tap_diag <"$TAP_OUT/err"
tap_result "$RC" "every test vector in docs/clone-protocol.md is one of selftests/peer/vectors.json"

$PEER make-objects --out "$W/objs.json" --rsa 1024
tap_result $? "make-objects writes AES, generic, EC pairs, RSA and data objects"
N=$($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$W/objs.json")

for combo in cpv4:p384-aes256gcm cpv4:p256-aes256gcm cpv4:x25519-chacha20poly1305 \
	     cpv3: cpv1:; do
	proto=${combo%%:*} suite=${combo#*:} name=${combo%:}
	name=${name//:/-}
	clone "$name" --domain s3cret --objects "$W/objs.json" -- \
		--domain s3cret --protocols "$proto" --suites "${suite:-p256-aes256gcm}" \
		--store "$W/$name.store.json"
	want_suite=${suite:+\"$suite\"}
	result "$name" "$RC == 0 and s['protocol'] == t['protocol'] == '$proto' and
		s['suite'] == t['suite'] == ${want_suite:-None} and s['error'] is t['error'] is None and
		s['counts'] == t['counts'] == counts(copied=$N) and
		[x['handle'] for x in s['results']] == list(range(1, $N + 1))" \
		"$name: the clone completes, all $N objects copied"
	same_objects "$W/objs.json" "$W/$name.store.json"
	tap_result $? "$name: the target's store holds every object with its attributes"
done

clone skip --domain s3cret --objects "$W/objs.json" -- --domain s3cret \
	--protocols cpv4 --suites p384-aes256gcm --store "$W/cpv4-p384-aes256gcm.store.json"
result skip "$RC == 0 and s['counts'] == t['counts'] == counts(skipped=$N) and
	[x['handle'] for x in s['results']] == list(range(1, $N + 1))" \
	"a second clone to the same store skips every object by OUID, with the held handles"
check "$W/cpv4-p384-aes256gcm.store.json" "len(r['objects']) == $N"
tap_result $? "the store still holds $N objects after skip-existing"

clone dual --domain other --domain-hex "$(printf s3cret | od -An -tx1 | tr -d ' \n')" \
	--objects "$W/objs.json" -- --label second --domain s3cret
result dual "$RC == 0 and s['counts']['copied'] == $N" \
	"a source with two domains clones with its second (by label), given as hex"
clone wrong --domain s3cret --objects "$W/objs.json" -- --domain other \
	--store "$W/wrong.store.json"
result wrong "$RC == 1 and s['error'] == t['error'] == 5 and t['objects'] == []" \
	"the same label with another secret: MAC_S fails at the target (auth), nothing stored"

$PEER make-objects --out "$W/big.json" --data-size 2000
clone big1 --domain s3cret --objects "$W/big.json" -- --domain s3cret --protocols cpv1 \
	--store "$W/big1.store.json"
result big1 "$RC == 0 and s['counts'] == t['counts'] == counts(copied=8, failed=1) and
	[x['status'] for x in s['results'] if x['label'] == 'big-data'] == [3]" \
	"CPv1: a 2000-byte data object is too large (status 3, counted failed), the rest copied"
check "$W/big1.store.json" \
	"'big-data' not in [o['label'] for o in r['objects']] and len(r['objects']) == 8"
tap_result $? "CPv1: the too-large object is not stored"
clone big4 --domain s3cret --objects "$W/big.json" -- --domain s3cret
result big4 "$RC == 0 and s['protocol'] == 'cpv4' and s['counts']['copied'] == 9" \
	"CPv4 sends the same 2000-byte object unpadded"

$PY - "$W/objs.json" "$W/bad.json" <<'EOF'
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
by = {(o["label"], o["class"]): o for o in objs}
by["aes256", "secret"]["kcv"] = "000000"
by["ec-p256", "private"]["bits"] = 384
by["generic", "secret"]["key_type"] = "ec-p256"
by["ec-p384", "private"]["value"] = "ff" * 48
by["rsa1024", "private"]["value"] = by["rsa1024", "private"]["value"][:-2]
json.dump({"objects": objs}, open(sys.argv[2], "w"))
EOF
clone bad --domain s3cret --objects "$W/bad.json" -- --domain s3cret --store "$W/bad.store.json"
result bad "$RC == 0 and s['counts'] == t['counts'] == counts(copied=$N - 5, failed=5) and
	sorted(x['label'] for x in s['results'] if x['status'] == 4) ==
	['aes256', 'ec-p256', 'ec-p384', 'generic', 'rsa1024']" \
	"records with a wrong KCV, bits, class/type pair, EC scalar or RSA value fail (status 4)"

$PEER make-tampered --out "$W/tampered.json"
clone tampered --domain s3cret --objects "$W/tampered.json" -- --domain s3cret \
	--store "$W/tampered.store.json"
result tampered "$RC == 0 and s['counts'] == t['counts'] == counts(copied=2, failed=8) and
	[x['status'] for x in s['results']] == [0, 0] + [4] * 8" \
	"a 32-character label is copied; an EC public point that is zero or off the curve, data whose bits or KCV are wrong, bytes after the id or the label's NUL, status 1 and another key under a held OUID fail (status 4)"
check "$W/tampered.store.json" \
	"[(o['label'], o['flags']) for o in r['objects']] ==
	 [('label-of-thirty-two-characters-x', 3), ('encrypt-only', 0x13)]"
tap_result $? "the target stores the 32-character label whole, a secret key private and sensitive, and nothing else"

clone zero-s --zero-share --domain s3cret --objects "$W/objs.json" -- --domain s3cret \
	--suites x25519-chacha20poly1305 --store "$W/zero-s.store.json"
result zero-s "$RC == 1 and s['error'] == t['error'] == 5 and t['objects'] == []" \
	"x25519: a source's all-zero share in CONFIRM ends the clone at the target (auth)"
clone zero-t --domain s3cret --objects "$W/objs.json" -- --zero-share --domain s3cret \
	--suites x25519-chacha20poly1305 --store "$W/zero-t.store.json"
result zero-t "$RC == 1 and s['error'] == t['error'] == 5 and t['objects'] == []" \
	"x25519: a target's all-zero share in CHOICE ends the clone at the source (auth)"

echo '{"objects": []}' >"$W/none.json"
clone none --domain s3cret --objects "$W/none.json" -- --domain s3cret
result none "$RC == 0 and s['counts'] == t['counts'] == counts()" \
	"a clone of no objects: DONE right after READY"

clone fips --fips --domain s3cret --objects "$W/objs.json" -- --domain s3cret
result fips "$RC == 1 and s['error'] == t['error'] == 3 and t['counts']['copied'] == 0" \
	"a FIPS source and a non-FIPS target: error 3 (fips)"
clone fips2 --fips --domain s3cret --objects "$W/objs.json" -- --fips --domain s3cret
result fips2 "$RC == 0 and s['protocol'] == 'cpv4' and s['suite'] == 'p384-aes256gcm'" \
	"a FIPS source and a FIPS target clone with CPv4 p384"
clone noproto --fips --domain s3cret --objects "$W/objs.json" -- --fips --domain s3cret \
	--protocols cpv1,cpv4 --suites x25519-chacha20poly1305
result noproto "$RC == 1 and s['error'] == t['error'] == 4" \
	"a FIPS target offering only CPv1 and x25519 leaves no protocol: error 4"

clone domain --domain s3cret --objects "$W/objs.json" -- --label other --domain s3cret \
	--store "$W/domain.store.json"
result domain "$RC == 1 and s['error'] == t['error'] == 2 and t['objects'] == []" \
	"no common label: error 2 (domain-mismatch)"
check "$W/domain.store.json" "r['objects'] == []"
tap_result $? "domain mismatch: nothing stored"

clone slot --domain s3cret --objects "$W/objs.json" -- --domain s3cret --protocols cpv1 \
	--slot-size 100
result slot "$RC == 1 and s['error'] == t['error'] == 1" \
	"CPv1 with a target slot size below 142: the source ends with error 1"

# DIR INDEX OFFSET (see relay.py), the error codes of source and target
for tamper in "s 0 41 5 5 a relay that edits the protocols byte of HELLO: MAC_S fails at the target (5)" \
	      "t 0 -1 5 5 a relay that edits the target's share pB in CHOICE: not a point, or MAC_S fails (5)" \
	      "s 1 40 5 5 a relay that edits the source's share pA in CONFIRM: not a point, or MAC_S fails (5)" \
	      "s 1 10 1 1 a relay that edits the session id of CONFIRM: error 1 (unexpected)" \
	      "t 1 40 5 5 a relay that edits the READY tag: error 5 (auth) at the source" \
	      "s 3 -1 5 5 a relay that edits an OBJECT ciphertext: error 5 (auth) at the target" \
	      "t 1 cut 5 5 a relay that cuts a byte off READY, its length made to match: error 5 (auth), as the kernel says"; do
	read -r dir index offset serr terr desc <<<"$tamper"
	target="$PEER target --domain s3cret --report $W/tamper.tgt.json"
	$PEER source --report "$W/tamper.src.json" --domain s3cret --objects "$W/objs.json" \
		--connect "$PY $W/relay.py $dir $index $offset '$target'" 2>"$W/tamper.err"
	RC=$?
	result tamper "$RC == 1 and s['error'] == $serr and t['error'] == $terr" "$desc"
done

# A frame longer than 8192 bytes: the target aborts (9), sends nothing and
# reads no further (what follows the length is never read).
printf '\000\000\040\001garbage' |
	$PEER target --domain s3cret --report "$W/big.tgt.json" >"$W/big.out" 2>/dev/null
RC=$?
[ "$RC" -eq 1 ] && [ ! -s "$W/big.out" ] && check "$W/big.tgt.json" "r['error'] == 9"
tap_result $? "a frame over 8192 bytes aborts the target (9) with nothing sent"

$PEER make-objects --out "$W/bulk.json" --aes 1100
for suite in p384-aes256gcm x25519-chacha20poly1305; do
	clone "bulk-$suite" --domain s3cret --objects "$W/bulk.json" -- --domain s3cret \
		--suites "$suite" --store "$W/bulk-$suite.store.json"
	result "bulk-$suite" "$RC == 0 and s['suite'] == '$suite' and
		s['counts'] == t['counts'] == counts(copied=1108) and s['results'][-1]['handle'] == 1108" \
		"CPv4 $suite: 1108 objects, across epochs 0 and 1, all copied"
done

# Archive files (docs/archive-format.md): written and read back, then
# every byte flipped, every truncation, a record moved and another
# archive's record each refused, a version other than 1 and another
# domain with their own errors.
$PEER make-objects --out "$W/arch-objs.json" --rsa 1024
$PEER archive-write --domain s3cret --objects "$W/arch-objs.json" --out "$W/a.cla"
run $PEER archive-read --domain other --domain s3cret --in "$W/a.cla" \
	--store "$W/arch-store.json" --report "$W/arch.json"
[ "$RC" -eq 0 ] && check "$W/arch.json" "r['copied'] == 9 and r['failed'] == 0" &&
	same_objects "$W/arch-objs.json" "$W/arch-store.json" 2>/dev/null
tap_result $? "an archive written and read back: the same 9 objects"
cat >"$W/archive_tamper.py" <<'EOF'
import sys
sys.path.insert(0, "selftests/peer")
import clonepeer as cp
objs = cp.load_objects(sys.argv[1])[-1:]
a = cp.archive_write(objs, b"s3cret")
b = cp.archive_write(objs + objs, b"s3cret")
c = cp.archive_write(objs + objs, b"s3cret")
def refused(data, name=None, secrets=(b"s3cret",)):
    try:
        cp.archive_read(bytes(data), list(secrets))
    except cp.ArchiveError as err:
        return name is None or err.name == name
    return False
assert cp.archive_read(a, [b"s3cret"])[1][0][1]["value"] == objs[0]["value"]
for i in range(len(a)):
    for mask in (1, 0x80):
        d = bytearray(a)
        d[i] ^= mask
        assert refused(d), f"byte {i} ^ {mask}"
assert all(refused(a[:n], "EBADMSG") for n in range(len(a)))
assert refused(a + b"\0", "EBADMSG")
first = cp.ARCHIVE_HEADER_LEN
size = 4 + int.from_bytes(b[first:first + 4], "big")
assert refused(b[:first] + b[first + size:first + 2 * size] + b[first:first + size]
               + b[first + 2 * size:], "EBADMSG")
assert refused(b[:first + size] + c[first + size:first + 2 * size] + b[first + 2 * size:],
               "EBADMSG")
assert refused(a, "EKEYREJECTED", (b"other",))
assert refused(a[:8] + b"\0\2" + a[10:], "EPROTONOSUPPORT")
EOF
run $PY "$W/archive_tamper.py" "$W/arch-objs.json"
[ "$RC" -ne 0 ] && tap_diag <"$TAP_OUT/err"
tap_result "$RC" "archives: any flipped byte, truncation, move or splice refused; version and domain errors"

tap_done
