#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink family driven from its spec alone: the kernel's YNL
# CLI (tools/net/ynl/cli.py of linux-source-6.12, unpacked under build/ by
# make tests) reads docs/netlink/clonedev.yaml and must agree with the
# module on every command, attribute, enum and error: HSM information, slot
# do and dump (the same slots as 'clonectl slot list'), partition create and
# delete, requests the policies and handlers reject, and (through the CLI's
# library) the notifications on "events". Runs as
# root in the VM with clonedev.ko loaded and the store's key in root's
# keyring.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

cli=$PWD/build/ksrc/linux-source-6.12/tools/net/ynl/cli.py
spec=$PWD/docs/netlink/clonedev.yaml

# ynl ARGS...: the CLI on the spec, JSON out. The spec's schema is checked
# when the code is generated (make lint), not here.
ynl() { py_file "$cli" --spec "$spec" --no-schema --output-json "$@"; }

# jq_py EXPR: evaluates a Python expression over d, the JSON on stdin.
jq_py()
{
	py 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# same_slots YNL-DUMP CLONECTL-JSON: the dump (a list of slot-get replies)
# describes exactly the slots clonectl lists, field for field.
same_slots()
{
	py - "$1" "$2" <<'EOF'
import json, sys
dump = json.loads(sys.argv[1])
ctl = json.loads(sys.argv[2])["slots"]
keys = {"slot-id": "slot", "slot-label": "label", "slot-serial": "serial",
        "slot-auth": "auth", "slot-type": "type",
        "slot-protocol-level": "protocol_level", "slot-state": "state",
        "slot-object-count": "objects"}
got = sorted(({keys[k]: v for k, v in s.items()} for s in dump),
             key=lambda s: s["slot"])
want = sorted(ctl, key=lambda s: s["slot"])
if got != want:
    print("ynl:     ", got)
    print("clonectl:", want)
    sys.exit(1)
EOF
}

if [ ! -r "$cli" ]; then
	echo "$cli is missing; run 'make tests'" | tap_diag
	tap_result 1 "the YNL CLI is there"
	tap_done
	exit
fi

delete_all

# ---- hsm-get ----

run ynl --do hsm-get
ok=1
if [ "$RC" -eq 0 ]; then
	hsm=$(clonectl --json hsm show)
	# The flag sets are decoded by name from the spec's enums.
	if [ "$(out | jq_py 'd["hsm-version"]')" = "$(echo "$hsm" | jq_py 'd["version"]')" ] &&
	   [ "$(out | jq_py 'sorted(d["hsm-protocols"])')" = "['cpv1', 'cpv3', 'cpv4']" ] &&
	   [ "$(out | jq_py 'sorted(d["hsm-suites"])')" = "$(echo "$hsm" | jq_py 'sorted(d["suites"])')" ] &&
	   [ "$(out | jq_py 'd["hsm-partition-count"]')" = 0 ] &&
	   [ "$(out | jq_py 'd["hsm-max-partitions"]')" = "$(echo "$hsm" | jq_py 'd["max_partitions"]')" ] &&
	   [ "$(out | jq_py 'bool(d["hsm-flags"] & 1)')" = "$(echo "$hsm" | jq_py 'd["fips"]')" ]; then
		ok=0
	fi
fi
[ $ok -eq 0 ] || { out; err; } | tap_diag
tap_result $ok "hsm-get gives the version, protocols, suites and counts clonectl shows"

run ynl --dump slot-get
[ "$RC" -eq 0 ] && [ "$(out)" = "[]" ]
tap_result $? "slot-get dump of an empty HSM is empty"

# ---- partition-create, slot-get do and dump ----

run ynl --do partition-create --json '{"slot-label": "ynl-a"}'
ok=1
if [ "$RC" -eq 0 ] &&
   [ "$(out | jq_py '(d["slot-label"], d["slot-auth"], d["slot-type"], d["slot-protocol-level"], d["slot-state"], d["slot-object-count"])')" = \
     "('ynl-a', 'password', 'application', 'current', 'uninitialized', 0)" ]; then
	ok=0
fi
[ $ok -eq 0 ] || { out; err; } | tap_diag
tap_result $ok "partition-create with a label alone: password, application, current"
slot_a=$(out | jq_py 'd["slot-id"]' 2>/dev/null)

run ynl --do partition-create --json \
	'{"slot-label": "ynl-b", "slot-auth": 2, "slot-type": 2, "slot-protocol-level": 1}'
[ "$RC" -eq 0 ] &&
	[ "$(out | jq_py '(d["slot-label"], d["slot-auth"], d["slot-type"], d["slot-protocol-level"])')" = \
	  "('ynl-b', 'quorum', 'backup', 'legacy')" ]
tap_result $? "partition-create with auth, type and protocol level"
slot_b=$(out | jq_py 'd["slot-id"]' 2>/dev/null)

run ynl --dump slot-get
dump=$(out)
list=$(clonectl --json slot list)
ok=1
if [ "$RC" -eq 0 ] && [ "$(echo "$dump" | jq_py 'len(d)')" = 2 ]; then
	diffs=$(same_slots "$dump" "$list") && ok=0
	[ $ok -eq 0 ] || echo "$diffs" | tap_diag
fi
tap_result $ok "slot-get dump matches 'clonectl slot list'"

run ynl --do slot-get --json "{\"slot-id\": ${slot_b:-0}}"
[ "$RC" -eq 0 ] && same_slots "[$(out)]" \
	"$(echo "$list" | py 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"slots": [s for s in d["slots"] if s["label"] == "ynl-b"]}))')"
tap_result $? "slot-get do of one slot matches its 'clonectl slot list' entry"

run ynl --do hsm-get
[ "$RC" -eq 0 ] && [ "$(out | jq_py 'd["hsm-partition-count"]')" = 2 ]
tap_result $? "hsm-get counts the two partitions"

# ---- requests the module rejects, with the errno and the extended ack ----

# expect_nlerr DESC ERRNO-TEXT EXTACK -- YNL-ARGS...
expect_nlerr()
{
	local desc=$1 errtext=$2 msg=$3 ok=1

	shift 4
	run ynl "$@"
	if [ "$RC" -ne 0 ] && out | grep -q "^Netlink error: $errtext\$" &&
	   out | grep -qF "'msg': '$msg'"; then
		ok=0
	fi
	[ $ok -eq 0 ] || { out; err; } | tap_diag
	tap_result $ok "$desc"
}

expect_nlerr "hsm-get takes no attributes" "Invalid argument" \
	"Unsupported attribute" -- --do hsm-get --json '{"slot-id": 1}'
expect_nlerr "slot-get without slot-id" "Invalid argument" \
	"missing attribute CLONEDEV_A_SLOT_ID (the slot number)" -- --do slot-get
expect_nlerr "slot-get of a slot no partition has" "No such device" \
	"no partition has this slot number" -- --do slot-get --json '{"slot-id": 4000}'
expect_nlerr "partition-create with an auth out of range" "Numerical result out of range" \
	"integer out of range" -- \
	--do partition-create --json '{"slot-label": "ynl-c", "slot-auth": 3}'
expect_nlerr "partition-create with a label taken" "File exists" \
	"a partition with this label exists already" -- \
	--do partition-create --json '{"slot-label": "ynl-a"}'
expect_nlerr "partition-create without slot-label" "Invalid argument" \
	"missing attribute CLONEDEV_A_SLOT_LABEL (the partition label)" -- \
	--do partition-create --json '{"slot-auth": 1}'
expect_nlerr "partition-delete without slot-id" "Invalid argument" \
	"missing attribute CLONEDEV_A_SLOT_ID (the slot number)" -- \
	--do partition-delete
expect_nlerr "partition-delete of a slot no partition has" "No such device" \
	"no partition has this slot number" -- \
	--do partition-delete --json '{"slot-id": 4000}'

run clonectl --json slot list
[ "$(out)" = "$list" ]
tap_result $? "the rejected requests changed no slot"

# ---- notifications on "events" ----

# The CLI's own --subscribe reads notifications on the socket it sends the
# request on, which the 6.12 YNL library does not support mid-request: one
# YNL family object (the CLI's library) listens, another sends. Prints the
# reply's slot-id, then the notifications as (name, attributes) pairs.
ynl_ntf()
{
	py - "$cli" "$spec" "$@" <<'EOF'
import json, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from lib import YnlFamily
spec, op, attrs = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
listener = YnlFamily(spec, '')
listener.ntf_subscribe('events')
reply = YnlFamily(spec, '').do(op, attrs)
print(reply["slot-id"] if reply else None)
listener.check_ntf()
print([(n["name"], n["msg"]) for n in listener.async_msg_queue])
EOF
}

run ynl_ntf partition-create '{"slot-label": "ynl-c"}'
slot_c=$(out | head -n 1)
[ "$RC" -eq 0 ] &&
	[ "$(out | tail -n 1 | py 'import ast,sys; print([(n, a["slot-id"], a["slot-label"]) for n, a in ast.literal_eval(sys.stdin.read())])')" = \
	  "[('slot-created-ntf', ${slot_c:-x}, 'ynl-c')]" ]
ok=$?
[ $ok -eq 0 ] || { out; err; } | tap_diag
tap_result $ok "partition-create notifies slot-created-ntf with the new slot on events"

for s in ${slot_a:-} ${slot_b:-} ${slot_c:-}; do
	run ynl_ntf partition-delete "{\"slot-id\": $s}"
	[ "$RC" -eq 0 ] &&
		[ "$(out)" = "$(printf "None\n[('slot-deleted-ntf', {'slot-id': %s})]" "$s")" ]
	ok=$?
	[ $ok -eq 0 ] || { out; err; } | tap_diag
	tap_result $ok "partition-delete of slot $s notifies slot-deleted-ntf"
done

run ynl --dump slot-get
[ "$RC" -eq 0 ] && [ "$(out)" = "[]" ] && [ "$(clonectl --json slot list | jq_py 'd["slots"]')" = "[]" ]
tap_result $? "every partition is gone, as the dump and clonectl both say"

tap_done
