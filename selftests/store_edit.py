#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cuts and splices clonedev store files at record and batch boundaries
(docs/store-format.md), without the key: what someone who can write the
store directory can do. Used by selftests/store_test.sh.

  store_edit.py version FILE           the first record's format version
  store_edit.py batches FILE           how many committed batches FILE has
  store_edit.py cut FILE OUT           FILE up to its second-last commit
  store_edit.py swap FILE OUT          FILE with its last two batches swapped
  store_edit.py splice OLD NEW OUT     NEW cut at a commit, then a batch of
                                       OLD whose sequence numbers follow on
  store_edit.py append FILE OTHER OUT  FILE, then OTHER's last batch
"""
import struct
import sys

HDR = 40
TAG = 16
COMMIT = 2


def records(data):
    """(offset, end, seq, type) of every whole record."""
    out = []
    pos = 0
    while pos + HDR <= len(data):
        magic, _ver, typ, n = struct.unpack_from("<IHHI", data, pos)
        if magic != 0x52444c43 or pos + HDR + n + TAG > len(data):
            break
        seq = struct.unpack_from("<Q", data, pos + 16)[0]
        out.append((pos, pos + HDR + n + TAG, seq, typ))
        pos += HDR + n + TAG
    return out


def batches(data):
    """(offset, end, first seq) of every batch that ends in a commit."""
    out = []
    start = None
    for off, end, seq, typ in records(data):
        if start is None:
            start = (off, seq)
        if typ == COMMIT:
            out.append((start[0], end, start[1]))
            start = None
    return out


def main(argv):
    cmd = argv[1]
    data = open(argv[2], "rb").read()
    b = batches(data)
    if cmd == "version":
        print(struct.unpack_from("<H", data, 4)[0])
        return 0
    if cmd == "batches":
        print(len(b))
        return 0
    if cmd == "cut":
        out = data[:b[-2][1]]
    elif cmd == "swap":
        x, y = b[-2], b[-1]
        out = data[:x[0]] + data[y[0]:y[1]] + data[x[0]:x[1]]
    elif cmd == "splice":
        new = open(argv[3], "rb").read()
        starts = {seq: (off, end) for off, end, seq in b}
        out = None
        # The latest commit of NEW that a batch of OLD follows on from.
        for _, end, seq, typ in reversed(records(new)):
            if typ == COMMIT and seq + 1 in starts:
                off, bend = starts[seq + 1]
                out = new[:end] + data[off:bend]
                break
        if out is None:
            print("store_edit.py: no batch of OLD follows a commit of NEW",
                  file=sys.stderr)
            return 1
        argv = argv[1:]
    elif cmd == "append":
        other = batches(open(argv[3], "rb").read())[-1]
        out = data + open(argv[3], "rb").read()[other[0]:other[1]]
        argv = argv[1:]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    open(argv[3], "wb").write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
