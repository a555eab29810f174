#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pedpeer.py, the second implementation of the remote PED channel, with no
# kernel: its test vectors (the file's and docs/remote-ped.md's), then its
# server against its client: each role and a domain served and combined,
# several requests on one channel, a wrong RPV, another partition's
# shares, too few, a refusing custodian, every tampering of the client
# refused, garbage, a huge frame length and a slow client each followed by
# a client served, an idle connection closed and no secret logged; the
# client, as the kernel does, refuses a server's every misbehaviour. The
# same client tests run against build/bin/clonedev-pedserver when it is
# built (or $CLONEDEV_PEDSERVER). Then each server holding several
# vectors: the handshake with each, an unknown id refused (and logged)
# while it goes on serving, the same vector given twice, and the starts
# it refuses: two sets of one id that differ, a set that does not combine
# and (clonedev-pedserver) a 17th vector. Prints TAP; exits non-zero on a
# failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../tap.sh
. selftests/tap.sh

PY=/usr/bin/python3
PEER=("$PY" "$PWD/selftests/ped/pedpeer.py")
CSERVER=${CLONEDEV_PEDSERVER:-$PWD/build/bin/clonedev-pedserver}
W=$TAP_OUT/w
mkdir -p "$W"
SERVERS=()
# The servers end with the script (tap.sh's trap removes TAP_OUT).
cleanup()
{
	local pid
	for pid in "${SERVERS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	rm -rf "$TAP_OUT"
}
trap cleanup EXIT

# shares NAME KIND SERIAL QUORUM [DOMAIN-LABEL]: share files in $W/NAME,
# the secret's SHA-256 prefix in $W/NAME.sha (and the fingerprint in
# $W/NAME.fp for a domain or an RPV).
shares()
{
	local name=$1 kind=$2 serial=$3 quorum=$4 dom=${5:-}
	"${PEER[@]}" sharefiles -dir "$W/$name" -serial "$serial" -label "p$serial" -kind "$kind" \
		-quorum "$quorum" ${dom:+-domainlabel "$dom"} >"$W/$name.txt" || return 1
	sed -n 's/^secret sha256 //p' "$W/$name.txt" >"$W/$name.sha"
	sed -n 's/^fingerprint //p' "$W/$name.txt" >"$W/$name.fp"
}

# files NAME N: the first N share files of NAME, comma-separated.
files()
{
	find "$W/$1" -name '*.share' | sort | head -n "$2" | paste -sd,
}

# start_server NAME CMD...: starts a server in the background; PORT is its
# port once it prints "listening on A:P" (at most 10 s).
start_server()
{
	local name=$1 i
	shift
	"$@" >"$W/$name.srv.out" 2>"$W/$name.srv.err" &
	SERVERS+=($!)
	PORT=
	for ((i = 0; i < 100; i++)); do
		PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$W/$name.srv.out" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	tap_diag <"$W/$name.srv.err"
	return 1
}

# client NAME ARGS...: pedpeer's client to PORT as partition 77 with the
# partition's RPV; its output in $W/NAME.out, status in RC.
client()
{
	local name=$1
	shift
	"${PEER[@]}" client -ip 127.0.0.1 -port "$PORT" -rpv "$RPV" -serial 77 -label p77 "$@" \
		>"$W/$name.out" 2>"$W/$name.err"
	RC=$?
}

# result NAME WANT-RC PATTERN DESC: the client exited WANT-RC and its
# output is exactly PATTERN (lines joined by ';', a grep -E pattern).
result()
{
	local name=$1 want=$2 pattern=$3 desc=$4 got ok=0
	got=$(paste -sd';' "$W/$name.out")
	if [ "$RC" -ne "$want" ] || ! grep -qxE -- "$pattern" <<<"$got"; then
		echo "exit status $RC (expected $want), output: $got" | tap_diag
		tap_diag <"$W/$name.err"
		ok=1
	fi
	tap_result $ok "$desc"
}

served() { echo "status 0 \(served\);quorum $1;indexes $2;combined sha256 $(cat "$W/$3.sha")"; }
served_domain() { echo "status 0 \(served\);quorum $1;indexes $2;fingerprint $(cat "$W/$3.fp");combined fingerprint ok"; }

# The partition's RPV (2 of 3), another RPV, and the custodian's shares:
# partition 77's po 2/2, co 2/3 (and one share of an older co secret,
# 3/4, never to be mixed in) and cu 3/5; partition 99's co; the domain red
# (made by partition 5) 2/3; the domain thin 3/5 with two shares only.
shares rpv rpv 77 2/3 && shares rpv2 rpv 77 2/3 &&
	shares po po 77 2/2 && shares co co 77 2/3 && shares oldco co 77 3/4 &&
	shares cu cu 77 3/5 && shares co99 co 99 2/3 && shares red domain 5 2/3 red &&
	shares thin domain 5 3/5 thin
tap_result $? "pedpeer sharefiles writes share files of every kind"
RPV=$(files rpv 2)
SD=$W/sharedir
mkdir -p "$SD"
cp "$W"/po/* "$W"/co/* "$W"/cu/* "$W"/co99/* "$W"/red/* "$SD"/
mapfile -t thin < <(find "$W/thin" -name '*.share' | sort | head -n 2)
cp "$(find "$W/oldco" -name '*-1of4.share')" "${thin[@]}" "$SD"/
$PY - "$W"/rpv/*-1of3.share <<'EOF'
import sys, zlib
text = open(sys.argv[1]).read()
body = text[:text.rindex("crc ")]
ok = "fingerprint " + open(sys.argv[1].rsplit("/", 2)[0] + "/rpv.fp").read().strip() in body
lines = body.split("\n")
sys.exit(0 if ok and text.endswith(f"crc {zlib.crc32(body.encode()):08x}\n") and
         lines[:4] == ["clonedev share 1", "serial 77", "partition p77", "kind rpv"] and
         lines[6:8] == ["quorum 2/3", "index 1"] else 1)
EOF
tap_result $? "an rpv share file carries the RPV's id as its fingerprint and a CRC-32 of its lines"

run "${PEER[@]}" vectors --check --doc docs/remote-ped.md
[ "$RC" -ne 0 ] && tap_diag <"$TAP_OUT/err"
tap_result "$RC" "the test vectors match selftests/ped/vectors.json and docs/remote-ped.md's"
$PY -c 'import json, sys
s = json.load(open(sys.argv[1]))["shamir"]
sys.exit(0 if (s["share1"], s["share5"]) == (
    "98adb28f84f90e1b3025eae7fcd1c6d3c8dde2ff34293e0be0959a97ac817643",
    "6f6636eaaeee204210e220e1f5c911f2e64f09c3453fbcc8c10909c8ca40faf8") and
    s["combined_2_4_5"] == s["secret"] else 1)' selftests/ped/vectors.json
tap_result $? "Shamir: the kernel's known answer (kmod/quorum.c), shares 1 and 5, and 2, 4, 5 combined"

# client_tests NAME: the client's tests against the server on PORT.
client_tests()
{
	local srv=$1 t want
	client "$srv-roles" -request po -request co -request cu
	result "$srv-roles" 0 "$(served 2/2 "1 2" po);$(served 2/3 "1 2" co);$(served 3/5 "1 2 3" cu)" \
		"$srv: po, co and cu served on one channel (sequence 2, 3, 4), each combining to its secret"
	client "$srv-domain" -request domain:red -request co
	result "$srv-domain" 0 "$(served_domain 2/3 "1 2" red);$(served 2/3 "1 2" co)" \
		"$srv: a domain of another partition served by label, its fingerprint holding; then co"
	client "$srv-other" -serial 88 -request co -request domain:blue -request po
	result "$srv-other" 0 "status 2 \(no share fits\);status 2 \(no share fits\);status 2 \(no share fits\)" \
		"$srv: another partition's role shares and an unknown domain: status 2, the channel goes on"
	client "$srv-few" -request domain:thin -request co
	result "$srv-few" 0 "status 3 \(fewer than M shares fit\);$(served 2/3 "1 2" co)" \
		"$srv: a domain with 2 of its 3 shares: status 3, the channel goes on"
	client "$srv-wrong" -rpv "$(files rpv2 2)" -request co
	result "$srv-wrong" 1 "error 3 rpv" "$srv: another RPV: ERROR rpv"
	for t in "hello 2 auth: an edited HELLO (Nk) fails MAC_K" \
		 "hello-pk 2 auth: a HELLO whose Pk is not on P-256" \
		 "finish 2 auth: an edited MAC_K" \
		 "key 2 auth: a kernel naming the right RPV id with another RPV" \
		 "replay 2 auth: an earlier channel's FINISH replayed" \
		 "reflect 1 unexpected: ACCEPT reflected back as FINISH" \
		 "request 2 auth: an edited REQUEST ciphertext does not open" \
		 "truncate 1 unexpected: a REQUEST a byte short, its length made to match" \
		 "seq 1 unexpected: a REQUEST of sequence 3 first" \
		 "garbage 1 unexpected: a frame of random bytes"; do
		read -r name code want desc <<<"$t"
		want=${want%:}
		client "$srv-$name" -tamper "$name" -request co
		result "$srv-$name" 1 "error $code $want" "$srv: ERROR $want, no SHARES, for $desc"
	done
	client "$srv-after-garbage" -request co
	result "$srv-after-garbage" 0 "$(served 2/3 "1 2" co)" \
		"$srv: a client served after the garbage and every tampered channel"
	client "$srv-huge" -tamper huge -request co
	result "$srv-huge" 1 "closed: .*|error 1 unexpected" \
		"$srv: a frame length of 2^31-1: the connection ends, nothing read or sent"
	client "$srv-after-huge" -request co
	result "$srv-after-huge" 0 "$(served 2/3 "1 2" co)" "$srv: a client served after the huge frame"
	client "$srv-short" -tamper short -request co
	result "$srv-short" 1 "closed: end of stream" "$srv: a HELLO cut off by the end of the stream: closed"
	"${PEER[@]}" client -ip 127.0.0.1 -port "$PORT" -rpv "$RPV" -serial 77 -label p77 -tamper slow \
		-pause 0.3 -slow-bytes 10 -wait 3 >"$W/$srv-slow.out" 2>"$W/$srv-slow.err" &
	local slow=$!
	sleep 0.5
	client "$srv-during-slow" -request co
	result "$srv-during-slow" 0 "$(served 2/3 "1 2" co)" \
		"$srv: a client served while a slow one sends its HELLO byte by byte"
	wait $slow
	RC=$?
	result "$srv-slow" 1 "closed: .*|timeout: .*" "$srv: the slow client gets no SHARES"
}

start_server py "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" -rpv "$RPV" -idle 2
tap_result $? "pedpeer server starts on an ephemeral port and says where it listens"
client_tests pedpeer
result pedpeer-slow 1 "closed: .*" \
	"pedpeer: a client sending a frame slower than the idle time (2 s) is closed"
bad=$(grep -vE '^pedpeer: (serving .* for RPV [0-9a-f]{16}, confirm auto|127\.0\.0\.1:[0-9]+: .*)$' \
	"$W/py.srv.err")
[ -z "$bad" ] || tap_diag <<<"$bad"
[ -z "$bad" ]
tap_result $? "pedpeer server: every log line is one of a request or a channel's end"
n=$(grep -c ': request ' "$W/py.srv.err")
[ "$n" -eq 13 ]
tap_result $? "pedpeer server: one log line per request answered ($n, 13 expected)"

start_server deny "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" -rpv "$RPV" -confirm deny
client deny -request co -request domain:red
result deny 0 "status 1 \(refused\);status 1 \(refused\)" \
	"pedpeer server -confirm deny: every request refused (status 1), the channel goes on"

# The kernel's side refuses a server that breaks the protocol: MISBEHAVIOUR
# REASON (of the client's "failed: REASON") DESCRIPTION.
bad_shares="SHARES with a bad quorum, index or reserved byte"
for t in "mac-s:MAC_S does not verify:an edited MAC_S" \
	 "pk:the peer's public key is not a point of P-256:a Ps not on the curve, MAC_S made over it" \
	 "reflect:not the ACCEPT 0 expected:HELLO reflected back as ACCEPT" \
	 "ready:READY 1 does not open:an edited READY tag" \
	 "shares-tag:SHARES 2 does not open:an edited SHARES tag" \
	 "shares-seq:not the SHARES 2 expected:SHARES sealed under sequence 3" \
	 "count:$bad_shares:a count that is not m" \
	 "index-repeat:$bad_shares:a repeated index" \
	 "index-zero:$bad_shares:an index 0" \
	 "index-high:$bad_shares:an index above n" \
	 "reserved:$bad_shares:a share's reserved byte set" \
	 "quorum:$bad_shares:m above n"; do
	IFS=: read -r how reason desc <<<"$t"
	start_server "bad-$how" "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" \
		-rpv "$RPV" -misbehave "$how"
	client "bad-$how" -request co
	result "bad-$how" 1 "failed: $reason" "the client, as the kernel, refuses $desc"
	kill "${SERVERS[-1]}"
done

run timeout 10 "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" -rpv "$(files rpv 1)"
[ "$RC" -eq 2 ] && grep -q "fewer -rpv files" "$TAP_OUT/err" && ! out | grep -q listening
tap_result $? "pedpeer server refuses to start with 1 of the RPV's 2 shares"
run timeout 10 "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" \
	-rpv "$(files rpv 1),$(files rpv2 2 | cut -d, -f2)"
[ "$RC" -eq 2 ] && grep -q "different secrets" "$TAP_OUT/err"
tap_result $? "pedpeer server refuses to start with shares of two RPVs"
sed -E '/^share /{s/^share 0/share 1/;t;s/^share ./share 0/}' "$(files rpv 1)" >"$W/damaged.share"
run timeout 10 "${PEER[@]}" server -ip 127.0.0.1 -port 0 -sharedir "$SD" -rpv "$W/damaged.share,$(files rpv 2 | cut -d, -f2)"
[ "$RC" -eq 2 ] && grep -q "CRC" "$TAP_OUT/err"
tap_result $? "pedpeer server refuses to start with a damaged RPV share file"

if [ -x "$CSERVER" ]; then
	start_server c "$CSERVER" -mode start -ip 127.0.0.1 -port 0 -sharedir "$SD" \
		-rpv "$RPV" -confirm auto
	tap_result $? "clonedev-pedserver starts on an ephemeral port and says where it listens"
	client_tests clonedev-pedserver
else
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - clonedev-pedserver against pedpeer's client # SKIP $CSERVER is not built"
fi

# Several vectors on one server: partition 77's RPV (twice: the same files,
# then two others of its set) and partition 88's, each choosing its
# partition's shares.
shares rpv88 rpv 88 2/2 && shares co88 co 88 2/2
tap_result $? "pedpeer sharefiles writes partition 88's RPV and co"
SD2=$W/sharedir2
mkdir -p "$SD2"
cp "$SD"/* "$W"/co88/* "$SD2"/
RPV88=$(files rpv88 2)
RPV77B=$(find "$W/rpv" -name '*.share' | sort | tail -n 2 | paste -sd,)
# The same RPV (one secret) as the share files of two partitions: 66 and 67.
same=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
for p in 66 67; do
	"${PEER[@]}" sharefiles -dir "$W/rpv$p" -serial $p -label p$p -kind rpv -quorum 1/1 \
		-secret $same | sed -n 's/^fingerprint //p' >"$W/rpv$p.fp"
done

# multi_tests NAME SERVER-ARGS...: NAME (pedpeer or clonedev-pedserver),
# started with SERVER-ARGS and the vectors of partitions 77 and 88.
multi_tests()
{
	local srv=$1 id77 id88 idx ok
	shift
	start_server "$srv-multi" "$@" -sharedir "$SD2" -rpv "$RPV" -rpv "$RPV88" -rpv "$RPV" \
		-rpv "$RPV77B"
	tap_result $? "$srv: starts with four -rpv: partition 77's vector three times, 88's once"
	id77=$(cat "$W/rpv.fp") id88=$(cat "$W/rpv88.fp")
	ok=0
	for idx in "$id77.*p77|p77.*$id77" "$id88.*p88|p88.*$id88"; do
		[ "$(grep -cE "$idx" "$W/$srv-multi.srv.err")" -eq 1 ] || ok=1
	done
	[ $ok -eq 0 ] || tap_diag <"$W/$srv-multi.srv.err"
	tap_result $ok "$srv: its log names each vector's id and partition once"
	client "$srv-multi-77" -request co
	result "$srv-multi-77" 0 "$(served 2/3 "1 2" co)" \
		"$srv: partition 77's vector: the handshake completes, its co served"
	client "$srv-multi-88" -rpv "$RPV88" -serial 88 -label p88 -request co
	result "$srv-multi-88" 0 "$(served 2/2 "1 2" co88)" \
		"$srv: partition 88's vector on the same server: its co served"
	client "$srv-multi-key" -rpv "$RPV88" -serial 88 -label p88 -tamper key -request co
	result "$srv-multi-key" 1 "error 2 auth" \
		"$srv: 88's id with another key: ERROR auth (the id picks the key)"
	client "$srv-multi-unknown" -rpv "$(files rpv2 2)" -request co
	result "$srv-multi-unknown" 1 "error 3 rpv" "$srv: an id it does not hold: ERROR rpv"
	grep -q "$(cat "$W/rpv2.fp")" "$W/$srv-multi.srv.err"
	tap_result $? "$srv: its log names the id asked for"
	client "$srv-multi-after" -rpv "$RPV88" -serial 88 -label p88 -request co
	result "$srv-multi-after" 0 "$(served 2/2 "1 2" co88)" \
		"$srv: a client served after the unknown id"
	kill "${SERVERS[-1]}"

	run timeout 10 "$@" -sharedir "$SD2" -rpv "$RPV" -rpv "$(files rpv66 1)" \
		-rpv "$(files rpv67 1)"
	[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && ! out | grep -q listening &&
		grep -q "$(files rpv67 1) gives .*$(cat "$W/rpv67.fp").*an earlier -rpv" "$TAP_OUT/err"
	ok=$?
	[ $ok -eq 0 ] || err | tap_diag
	tap_result $ok "$srv: refuses to start with two sets of one id that differ, naming them"
	run timeout 10 "$@" -sharedir "$SD2" -rpv "$RPV88" -rpv "$(files rpv 1)"
	[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && ! out | grep -q listening &&
		grep -q -- "-rpv $(files rpv 1)" "$TAP_OUT/err"
	ok=$?
	[ $ok -eq 0 ] || err | tap_diag
	tap_result $ok "$srv: refuses to start when one set does not combine, naming its files"
}

multi_tests pedpeer "${PEER[@]}" server -ip 127.0.0.1 -port 0
if [ -x "$CSERVER" ]; then
	multi_tests clonedev-pedserver "$CSERVER" -mode start -ip 127.0.0.1 -port 0 \
		-confirm auto -pidfile "$W/multi.pid"
	start_server c-show "$CSERVER" -mode start -ip 127.0.0.1 -port 0 -confirm auto \
		-pidfile "$W/show.pid" -sharedir "$SD2" -rpv "$RPV" -rpv "$RPV88"
	run "$CSERVER" -mode show -pidfile "$W/show.pid"
	[ "$(grep -cE "^rpv id: ($(cat "$W/rpv.fp") \(partition 77 'p77'\)|$(cat "$W/rpv88.fp") \(partition 88 'p88'\))$" "$TAP_OUT/out")" -eq 2 ]
	ok=$?
	[ $ok -eq 0 ] || out | tap_diag
	tap_result $ok "clonedev-pedserver -mode show lists both vectors' ids and partitions"
	kill "${SERVERS[-1]}"
	many=()
	for i in $(seq 17); do
		"${PEER[@]}" sharefiles -dir "$W/many$i" -serial $((1000 + i)) -label "m$i" \
			-kind rpv -quorum 1/1 >/dev/null
		many+=(-rpv "$(files "many$i" 1)")
	done
	run timeout 10 "$CSERVER" -mode start -ip 127.0.0.1 -port 0 -confirm auto \
		-pidfile "$W/many.pid" -sharedir "$SD2" "${many[@]}"
	[ "$RC" -eq 1 ] && grep -q "at most 16 remote PED vectors" "$TAP_OUT/err"
	tap_result $? "clonedev-pedserver refuses a 17th vector"
fi

# store_tests NAME CMD...: the server CMD (its options but -sharedir and
# -confirm) stores shares in an empty directory; CMD run with -confirm
# $REFUSE (set by the caller) stores none.
store_tests()
{
	local srv=$1 dir=$W/store-$1 got sha fp before ok
	shift
	mkdir -p "$dir"
	start_server "$srv-store" "$@" -sharedir "$dir" -confirm auto
	client "$srv-store" -request store:cu:2/4 -request cu -request store:domain:green:2/3 \
		-request domain:green
	sha=$(sed -n 's/^secret sha256 //p' "$W/$srv-store.out")
	fp=$(sed -n '10s/^fingerprint //p' "$W/$srv-store.out")
	echo "$sha" >"$W/$srv-cu.sha"
	echo "$fp" >"$W/$srv-green.fp"
	result "$srv-store" 0 "stored 0 \(written\);quorum 2/4;secret sha256 [0-9a-f]{16};$(
		served 2/4 "1 2" "$srv-cu");stored 0 \(written\);quorum 2/3;fingerprint [0-9a-f]{16};$(
		served_domain 2/3 "1 2" "$srv-green")" \
		"$srv: STORE cu 2/4 and domain green 2/3 written (STORED 0), then served back, combining to the secrets sent"
	got=$(cd "$dir" && stat -c '%n %a' -- * .[!.]* 2>/dev/null | paste -sd' ')
	[ "$got" = "p77-77-cu-1of4.share 600 p77-77-cu-2of4.share 600 p77-77-cu-3of4.share 600 p77-77-cu-4of4.share 600 p77-77-domain-green-1of3.share 600 p77-77-domain-green-2of3.share 600 p77-77-domain-green-3of3.share 600" ]
	ok=$?
	[ $ok -ne 0 ] && tap_diag <<<"files: $got"
	tap_result $ok "$srv: one file per share, named as clonectl names them, mode 0600, no temporary left"
	$PY - "$dir" "$fp" <<'EOF'
import glob, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "selftests/ped")
import pedpeer
ok, paths = True, sorted(glob.glob(os.path.join(sys.argv[1], "*.share")))
for path in paths:
    sf = pedpeer.read_sharefile(path)
    dom = sf["kind"] == "domain"
    want = ("domain", "green", 2, 3, sys.argv[2]) if dom else ("cu", "", 2, 4, "00" * 8)
    ok &= (sf["serial"], sf["partition"]) == (77, "p77") and \
        (sf["kind"], sf["domainlabel"], sf["m"], sf["n"], sf["fingerprint"].hex()) == want and \
        os.path.basename(path) == pedpeer.sharefile_name(sf)
sys.exit(0 if ok and len(paths) == 7 else 1)
EOF
	tap_result $? "$srv: the files parse (CRC, serial, partition, kind, label, quorum, fingerprint)"
	before=$(cd "$dir" && sha256sum -- * | sha256sum)
	client "$srv-again" -request store:cu:2/4 -request store:cu:3/5 -request cu
	result "$srv-again" 0 "stored 2 \(could not write\);stored 0 \(written\);quorum 3/5;secret sha256 [0-9a-f]{16};$(
		served 2/4 "1 2" "$srv-cu")" \
		"$srv: a STORE whose file names exist: STORED 2, the channel goes on (another quorum is written)"
	rm -f "$dir"/p77-77-cu-?of5.share
	[ "$(cd "$dir" && sha256sum -- * | sha256sum)" = "$before" ]
	tap_result $? "$srv: no file replaced or added by the STORE refused"
	kill "${SERVERS[-1]}"
	start_server "$srv-refuse" "$@" -sharedir "$dir" -confirm "$REFUSE" </dev/null
	client "$srv-refuse" -request store:co:2/3 -request store:domain:blue:1/1
	result "$srv-refuse" 0 "stored 1 \(refused\);stored 1 \(refused\)" \
		"$srv: the custodian refuses (-confirm $REFUSE): STORED 1, the channel goes on"
	[ "$(cd "$dir" && sha256sum -- * | sha256sum)" = "$before" ]
	tap_result $? "$srv: nothing written when the custodian refuses"
	kill "${SERVERS[-1]}"
}

REFUSE=deny store_tests pedpeer "${PEER[@]}" server -ip 127.0.0.1 -port 0 -rpv "$RPV"
if [ -x "$CSERVER" ]; then
	REFUSE=ask store_tests clonedev-pedserver "$CSERVER" -mode start -ip 127.0.0.1 -port 0 \
		-rpv "$RPV"
else
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - clonedev-pedserver stores shares # SKIP $CSERVER is not built"
fi

# The shares and the secrets they combine to (their hex never printed).
secrets=$($PY - "$W"/*/*.share <<'EOF'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "selftests/ped")
import pedpeer
groups = {}
for path in sys.argv[1:]:
    sf = pedpeer.read_sharefile(path)
    groups.setdefault(pedpeer.secret_group(sf), {})[sf["index"]] = sf["data"]
out = [d.hex() for g in groups.values() for d in g.values()]
out += [pedpeer.combine(list(g.items())[:k[3]]).hex() for k, g in groups.items() if len(g) >= k[3]]
print("|".join(out))
EOF
)
[ -n "$secrets" ] && ! grep -qiE "$secrets" "$W"/*.out "$W"/*.err
tap_result $? "no share and no secret in any output or log, the servers' included"

tap_done
