#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The remote PED through clonectl: "ped vector init" writes the rpv share
# files, clonedev-pedserver (and the second implementation,
# selftests/ped/pedpeer.py) serves the custodian's shares on the guest's
# loopback, and the clonectl shell runs the seed's "ped connect", logs
# each role in through it, shows it and disconnects; then the refusals'
# sentences: no vector, another vector, a custodian who says no, a server
# gone, and a login after "ped disconnect". No share byte appears in what
# clonectl relays or in clonectl's memory.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
dir=$TAP_OUT/ped
servers=0
keys=$dir/keys		# the custodian's share files
rpvdir=$dir/rpv
mkdir -p "$keys" "$rpvdir"
server_pid=
servers=0

# start_server COMMAND...: runs a PED server on an ephemeral port of the
# loopback with the custodian's files and the vector in $rpvdir (or
# $RPV_DIR); sets port and server_pid. Each server has a fifo of its own:
# the drain of the last one may open its fifo only after this one starts.
start_server()
{
	local fifo=$dir/listen.$((++servers))

	mkfifo "$fifo"
	"$@" -ip 127.0.0.1 -port 0 -sharedir "$keys" \
		-rpv "$(ls "${RPV_DIR:-$rpvdir}"/*.share | paste -sd,)" \
		>"$fifo" 2>>"$dir/server.log" </dev/null &
	server_pid=$!
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p;T;q' "$fifo")
	# The server's later output goes nowhere: keep the fifo drained.
	cat "$fifo" >/dev/null &
}

stop_server()
{
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null &&
		wait "$server_pid" 2>/dev/null
	server_pid=
}
trap stop_server EXIT

# ctl LINE...: the lines through one clonectl shell.
ctl() { printf '%s\n' "$@" | clonectl; }

# refused DESC PATTERN COMMAND...: exit status 1, and standard error says
# PATTERN (an extended regular expression).
refused()
{
	local desc=$1 pat=$2 ok=0

	shift 2
	run "$@"
	if [ "$RC" -ne 1 ]; then
		echo "exit status $RC, expected 1" | tap_diag
		ok=1
	fi
	if ! grep -qE -- "$pat" "$TAP_OUT/err"; then
		echo "stderr does not match /$pat/:" | tap_diag
		err | tap_diag
		ok=1
	fi
	tap_result $ok "$desc"
}

delete_all
clonectl partition create -label vault -auth quorum >/dev/null
clonectl partition init -slot 1 -label vault -domainlabel red -quorum 2/3 \
	-sharedir "$keys" >/dev/null
sf() { ls "$keys"/vault-*-"$1".share; }
po_files="$(sf po-1of3),$(sf po-2of3)"
ctl "role login -slot 1 -name po -sharefiles $po_files" \
	"role init -name co -quorum 2/2 -sharedir $keys" >/dev/null
ctl "role login -slot 1 -name co -sharedir $keys" \
	"role init -name cu -quorum 1/1 -sharedir $keys" >/dev/null

refused "ped connect without a vector: the po runs ped vector init first" \
	"no remote PED vector; the po runs 'ped vector init' first" \
	ctl "slot set -slot 1" "ped connect -port 1"
expect "ped vector init writes the rpv share files" 0 "" "" -- \
	ctl "role login -slot 1 -name po -sharefiles $po_files" \
	"ped vector init -quorum 2/2 -sharedir $rpvdir"
expect "  two of kind rpv, named for the partition" 0 "" "" -- \
	test "$(ls "$rpvdir"/vault-*-rpv-[12]of2.share | wc -l)" = 2
refused "ped connect is for the shell" "run it inside the shell" \
	clonectl ped connect -slot 1

for impl in c python; do
	if [ "$impl" = c ]; then
		start_server clonedev-pedserver -mode start -confirm auto
	else
		start_server python3 selftests/ped/pedpeer.py server \
			-confirm auto
	fi
	expect "$impl server: it listens" 0 "" "" -- test -n "$port"

	# The seed's lines, with the server's address filled in.
	expect "$impl server: ped connect, then each role logs in through it" 0 \
		"^Logged in as cu\.$" "" -- \
		ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
		"ped show" "role login -name po" "role login -name co" \
		"role login -name cu" "role show"
	cp "$TAP_OUT/out" "$dir/logins.out"
	expect "  ped show: connected, with the vector's id" 0 "" "" -- \
		sh -c "grep -qi 'connected' '$dir/logins.out' &&
		       grep -q \"\$(sed -n 's/^fingerprint //p' \
			'$rpvdir'/vault-*-rpv-1of2.share)\" '$dir/logins.out'"
	expect "  the po and co logged in too" 0 "" "" -- \
		sh -c "grep -q '^Logged in as po\.$' '$dir/logins.out' &&
		       grep -q '^Logged in as co\.$' '$dir/logins.out'"

	refused "$impl server: after ped disconnect a login names what to do" \
		"sharefiles" \
		ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
		"ped disconnect" "role login -name co"
	expect "  no failed login was counted" 0 "" "" -- \
		sh -c "clonectl --json role show -slot 1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(any(r[\"failed_logins\"] for r in d[\"roles\"]))'"

	refused "$impl server: a server gone mid-session: nothing attempted" \
		"nothing was attempted" \
		bash -c "{ printf '%s\n' 'slot set -slot 1' \
			'ped connect -ip 127.0.0.1 -port $port'; \
			for _ in \$(seq 240); do \
				grep -q 'is connected to the PED' '$dir/gone.out' \
					&& break; sleep 0.5; done; \
			kill $server_pid; sleep 1; \
			printf '%s\n' 'role login -name co'; } |
			clonectl >'$dir/gone.out'"
	server_pid=
done

# ---- the seed's clone between two quorum partitions, through the PED ----
# vault2 holds vault's domain red (imported from its share files), and
# one server holds the vectors of both: each "ped connect" picks its own.
clonectl partition create -label vault2 -auth quorum >/dev/null
clonectl partition init -slot 2 -label vault2 -domainlabel blue -quorum 1/1 \
	-sharedir "$keys" >/dev/null
mkdir -p "$dir/rpv2"
ctl "role login -slot 2 -name po -sharedir $keys" \
	"partition changepolicy -policy 44 -value 1" \
	"partition domainadd -domainshares $(sf domain-red-1of3),$(sf domain-red-2of3) -domainlabel red" \
	"role init -name co -quorum 1/1 -sharedir $keys" \
	"ped vector init -quorum 1/1 -sharedir $dir/rpv2" >/dev/null
ctl "role login -slot 1 -name co -sharedir $keys" \
	"object generate -keytype aes -bits 256 -label pedkey" >/dev/null
start_server clonedev-pedserver -mode start -confirm auto \
	-rpv "$(ls "$dir"/rpv2/*.share | paste -sd,)"
seed() {
	ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
		"role login -name co" "partition contents" "ped disconnect" \
		"ped connect -slot 2 -ip 127.0.0.1 -port $port" \
		"partition clone -slot 2 -objects all"
}
expect "seed: one server with both vectors: ped connect, login, disconnect, connect the target, clone" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 1 copied, 0 skipped, 0 failed\.$' "" -- \
	seed
stop_server

# ---- refusals ----
start_server clonedev-pedserver -mode start -confirm ask
refused "a custodian who says no: refused, nothing attempted" \
	"the custodian refused" \
	ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
	"role login -name co"
stop_server

# What clonectl relays, through a logging proxy, and its memory while it
# holds a connection: no share of any file appears in either.
start_server clonedev-pedserver -mode start -confirm auto
mkfifo "$dir/proxy.port"
python3 - "$port" "$dir/traffic" >"$dir/proxy.port" <<'EOF' &
import socket, sys, threading
up, log = int(sys.argv[1]), open(sys.argv[2], "wb")
lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(1)
print(lst.getsockname()[1], flush=True)
c, _ = lst.accept()
s = socket.create_connection(("127.0.0.1", up))
def pump(a, b):
    while True:
        d = a.recv(65536)
        if not d:
            break
        log.write(d)
        log.flush()
        b.sendall(d)
    b.shutdown(socket.SHUT_WR)
t = threading.Thread(target=pump, args=(s, c))
t.start()
pump(c, s)
t.join()
EOF
proxy=$!
# The port is read when the proxy prints it, however long Python takes
# to start on a slow kernel.
read -r pport <"$dir/proxy.port"
fifo=$dir/ctl.in
mkfifo "$fifo"
clonectl <"$fifo" >"$dir/ctl.out" 2>&1 &
ctlpid=$!
exec 7>"$fifo"
printf '%s\n' "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $pport" \
	"role login -name po" "role login -name co" >&7
for _ in $(seq 240); do
	grep -q '^Logged in as co\.$' "$dir/ctl.out" && break
	sleep 0.5
done
python3 - "$ctlpid" "$keys" "$dir/traffic" >"$dir/search" <<'EOF'
import glob, re, sys
pid, keys, traffic = sys.argv[1], sys.argv[2], sys.argv[3]
shares = []
for f in glob.glob(keys + "/*.share"):
    m = re.search(r"^share ([0-9a-f]{64})$", open(f).read(), re.M)
    shares.append(bytes.fromhex(m.group(1)))
mem = b""
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb") as f:
    for line in maps:
        addr, perms = line.split()[:2]
        if "r" not in perms:
            continue
        lo, hi = (int(x, 16) for x in addr.split("-"))
        try:
            f.seek(lo)
            mem += f.read(hi - lo)
        except OSError:
            pass
data = open(traffic, "rb").read()
found = [s.hex()[:8] for s in shares if s[:16] in mem or s[:16] in data]
print(len(shares), len(mem) > 0, len(data), " ".join(found))
EOF
exec 7>&-
wait "$ctlpid"
kill "$proxy" 2>/dev/null
expect "logged in through a relaying proxy" 0 "" "" -- \
	grep -q '^Logged in as co\.$' "$dir/ctl.out"
[ "$RC" -eq 0 ] || tap_diag <"$dir/ctl.out"
expect "no share in the relayed traffic or in clonectl's memory" 0 "" "" -- \
	sh -c "read -r n m t found <'$dir/search'; cat '$dir/search';
	       [ \"\$n\" -ge 9 ] && [ \"\$m\" = True ] && [ \"\$t\" -gt 0 ] &&
	       [ -z \"\$found\" ]"
[ "$RC" -eq 0 ] || tap_diag <"$dir/search"
stop_server

# A server with another partition's vector.
clonectl partition create -label other -auth quorum >/dev/null
clonectl partition init -slot 3 -label other -domainlabel green -quorum 1/1 \
	-sharedir "$dir/other" >/dev/null
mkdir -p "$dir/otherrpv"
ctl "role login -slot 3 -name po -sharedir $dir/other" \
	"ped vector init -quorum 1/1 -sharedir $dir/otherrpv" >/dev/null
mv "$rpvdir" "$dir/rpv.slot1"
mv "$dir/otherrpv" "$rpvdir"
start_server clonedev-pedserver -mode start -confirm auto
refused "a server with another partition's vector: refused with its id" \
	"holds another remote PED vector" \
	ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port"
stop_server
expect "  the server's log names the vector asked for" 0 "" "" -- \
	grep -q "names remote PED vector $(sed -n 's/^fingerprint //p' \
		"$dir"/rpv.slot1/vault-*-rpv-1of2.share)" "$dir/server.log"

# ---- new shares through the PED: role init and partition init ----
# Without -sharedir, a connected server stores the new secrets' shares as
# share files of its directory, and serves them back to the logins. The
# custodian moves the old files of a role away first (the server never
# replaces a file, and would otherwise serve either secret).
refused "role init -quorum without -sharedir or a PED connection names both" \
	"needs -sharedir, where the share files go, or a PED server that stores them \('ped connect'" \
	ctl "role login -slot 1 -name co -sharedir $keys" \
	"role init -name cu -quorum 2/3"
RPV_DIR=$dir/rpv.slot1 start_server clonedev-pedserver -mode start -confirm auto
mkdir -p "$dir/old"
mv "$keys"/vault-*-cu-*.share "$dir/old"/
expect "role init -name cu -quorum 2/3 through the PED server, then cu logs in through it" 0 \
	"^Logged in as cu\.$" "" -- \
	ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
	"role login -name co" "role init -name cu -quorum 2/3" \
	"role login -name cu"
cp "$TAP_OUT/out" "$dir/cuinit.out"
expect "  clonectl says the server stored the 3 shares" 0 "" "" -- \
	grep -q "^The cu role is initialized: its 3 shares, any 2 of which log in, were stored by the PED server at 127\.0\.0\.1 port $port\.$" \
	"$dir/cuinit.out"
[ "$RC" -eq 0 ] || tap_diag <"$dir/cuinit.out"
expect "  the server wrote them: 3 share files of cu 2/3, mode 0600" 0 "" "" -- \
	sh -c "[ \"\$(stat -c %a '$keys'/vault-*-cu-[123]of3.share | sort -u)\" = 600 ] &&
	       [ \"\$(ls '$keys'/vault-*-cu-*.share | wc -l)\" = 3 ] &&
	       grep -qx 'quorum 2/3' '$keys'/vault-*-cu-1of3.share"
refused "  the old cu share file opens nothing any more" \
	"do not combine|wrong" \
	ctl "role login -slot 1 -name cu -sharefiles $(ls "$dir"/old/vault-*-cu-1of1.share)"

mv "$keys"/vault-*-po-*.share "$keys"/vault-*-domain-red-*.share "$dir/old"/
po_files="$(ls "$dir"/old/vault-*-po-1of3.share),$(ls "$dir"/old/vault-*-po-2of3.share)"
expect "partition init -quorum 2/3 through the PED server, then the po logs in through it" 0 \
	"^Logged in as po\.$" "" -- \
	ctl "slot set -slot 1" "ped connect -ip 127.0.0.1 -port $port" \
	"role login -name po -sharefiles $po_files" \
	"partition init -label vault -domainlabel red -quorum 2/3" \
	"role login -name po" "ped show"
cp "$TAP_OUT/out" "$dir/poinit.out"
expect "  clonectl says the server stored the po's and the domain's shares" 0 "" "" -- \
	grep -q "^The 3 shares of the po secret and the 3 of the domain 'red' (any 2 of each) were stored by the PED server at 127\.0\.0\.1 port $port\.$" \
	"$dir/poinit.out"
[ "$RC" -eq 0 ] || tap_diag <"$dir/poinit.out"
expect "  the partition kept its remote PED vector" 0 "" "" -- \
	grep -q "$(sed -n 's/^fingerprint //p' "$dir"/rpv.slot1/vault-*-rpv-1of2.share)" \
	"$dir/poinit.out"
expect "  the server wrote 3 po and 3 domain share files" 0 "" "" -- \
	test "$(find "$keys" -name 'vault-*-po-?of3.share' -o -name 'vault-*-domain-red-?of3.share' |
		wc -l)" = 6
refused "  the old po shares open nothing any more" \
	"do not combine|wrong" \
	ctl "role login -slot 1 -name po -sharefiles $po_files"
stop_server
delete_all
tap_done
