#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""pedpeer: a second, independent implementation of the remote PED channel
(docs/remote-ped.md), written from that text alone.

It serves shares as a PED server (or one that breaks the protocol in a
chosen way, to test a kernel) and stores the shares a STORE sends as share
files, plays the kernel's side of a channel as a
client (with ways to tamper with it, to test a server), writes share files
for tests, and computes deterministic test vectors.
"""

import argparse
import glob
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

# Framing and messages
MSG_MAX = 4096
MAGIC = 0x50454431
VERSION = 1
HEADER = struct.Struct(">IBBHII")
HELLO, ACCEPT, FINISH, READY, REQUEST, SHARES, STORE, STORED, ERROR = 1, 2, 3, 4, 5, 6, 7, 8, 15
TYPE_NAMES = {HELLO: "HELLO", ACCEPT: "ACCEPT", FINISH: "FINISH", READY: "READY",
              REQUEST: "REQUEST", SHARES: "SHARES", STORE: "STORE", STORED: "STORED",
              ERROR: "ERROR"}
TAG = 16
HELLO_BODY = struct.Struct(">32s65sQ32s8s8s")      # Nk, Pk, serial, label, rpv_id, reserved
ACCEPT_BODY = struct.Struct(">32s65s32s")          # Ns, Ps, MAC_S
REQUEST_PLAIN = struct.Struct(">II32s")            # kind, reserved, domain label
SHARES_FIXED = struct.Struct(">IIII8s32s")         # status, count, m, n, fingerprint, label
SHARE = struct.Struct(">B7s32s")                   # index, reserved, data
STORE_FIXED = struct.Struct(">IIII8s32s")          # kind, reserved, m, n, fingerprint, label
STORED_PLAIN = struct.Struct(">II")                # status, reserved
ERROR_BODY = struct.Struct(">II")
SHARES_MAX = 16
LABEL_LEN = 32
PUBLIC_LEN = 65

# ERROR codes
UNEXPECTED, AUTH, RPV, INTERNAL = 1, 2, 3, 4
ERROR_NAMES = {UNEXPECTED: "unexpected", AUTH: "auth", RPV: "rpv", INTERNAL: "internal"}

# REQUEST kinds and SHARES statuses
KINDS = {"po": 1, "co": 2, "cu": 3, "domain": 4}
KIND_NAMES = {v: k for k, v in KINDS.items()}
DOMAIN = 4
SERVED, REFUSED, NO_SHARES, TOO_FEW = 0, 1, 2, 3
STATUS_NAMES = {SERVED: "served", REFUSED: "refused", NO_SHARES: "no share fits",
                TOO_FEW: "fewer than M shares fit"}
# STORED statuses
WRITTEN, NOT_WRITTEN = 0, 2
STORED_NAMES = {WRITTEN: "written", REFUSED: "refused", NOT_WRITTEN: "could not write"}

# Key schedule labels
RPV_ID_LABEL = b"clonedev ped rpv id"
SERVER_LABEL = b"clonedev ped server"
KERNEL_LABEL = b"clonedev ped kernel"
K2S_LABEL = b"clonedev ped k2s"
S2K_LABEL = b"clonedev ped s2k"
FINGERPRINT_LABEL = b"clonedev domain fingerprint"   # kmod/kdf.c, CLD_KDF_FINGERPRINT
FINGERPRINT_LEN = 8

P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B

DEFAULT_PORT = 1503
DEFAULT_IDLE = 60


class ChannelError(Exception):
    """The end of a channel: an ERROR code (sent or received), or a reason
    of the kernel's side (which sends no ERROR)."""

    def __init__(self, code, reason=None):
        super().__init__(reason or f"{code} {ERROR_NAMES.get(code, 'unknown')}")
        self.code = code


class Closed(Exception):
    """The peer closed the connection, or sent a frame we do not read."""


class TimedOut(Closed):
    """No whole frame in the time allowed."""


# ---------------------------------------------------------------- crypto
u32 = struct.Struct(">I").pack
u64 = struct.Struct(">Q").pack


def sha256(data):
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def hmac256(key, data):
    """HMAC-SHA256."""
    return hmac.new(key, data, "sha256").digest()


def hkdf_expand(prk, info, length=32):
    """HKDF-Expand (RFC 5869, SHA-256)."""
    return HKDFExpand(hashes.SHA256(), length, info).derive(prk)


def rpv_id_of(rpv):
    """The id of a remote PED vector."""
    return hmac256(rpv, RPV_ID_LABEL)[:8]


def domain_fingerprint(secret):
    """A domain secret's fingerprint, as the kernel computes it."""
    return hmac256(secret, FINGERPRINT_LABEL)[:FINGERPRINT_LEN]


def new_ephemeral(secret=None):
    """A P-256 key pair: random, or of a fixed big-endian scalar."""
    if secret is None:
        return ec.generate_private_key(ec.SECP256R1())
    return ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())


def public_bytes(key):
    """0x04 || X || Y of a private key's public point."""
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def valid_point(pub):
    """Whether 65 bytes are an uncompressed point of P-256."""
    if len(pub) != PUBLIC_LEN or pub[0] != 4:
        return False
    x, y = int.from_bytes(pub[1:33], "big"), int.from_bytes(pub[33:], "big")
    if x >= P256_P or y >= P256_P:
        return False
    return (y * y - (x * x * x - 3 * x + P256_B)) % P256_P == 0


def agree(key, pub):
    """Z: the X coordinate of the ECDH agreement; auth for a bad point."""
    if not valid_point(pub):
        raise ChannelError(AUTH, "the peer's public key is not a point of P-256")
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
    return key.exchange(ec.ECDH(), peer)


def prk_of(rpv, z):
    """PRK = HKDF-Extract(salt = RPV, IKM = Z)."""
    return hmac256(rpv, z)


def mac_s(prk, hello, accept_head):
    """MAC_S over HELLO and ACCEPT' (ACCEPT without its last 32 bytes)."""
    return hmac256(prk, SERVER_LABEL + sha256(hello + accept_head))


def mac_k(prk, hello, accept, finish_header):
    """MAC_K over HELLO, ACCEPT and FINISH's header."""
    return hmac256(prk, KERNEL_LABEL + sha256(hello + accept + finish_header))


def traffic_keys(prk, hello, accept, finish):
    """K_ks and K_sk."""
    h3 = sha256(hello + accept + finish)
    return hkdf_expand(prk, K2S_LABEL + h3), hkdf_expand(prk, S2K_LABEL + h3)


# ------------------------------------------------------- Shamir, GF(2^8)
def gf_mul(a, b):
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    p = 0
    while b:
        if b & 1:
            p ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else a << 1
        b >>= 1
    return p


def gf_inv(a):
    """a^254 = a^-1 (0 for 0)."""
    r = 1
    for _ in range(254):
        r = gf_mul(r, a)
    return r


def split(secret, m, n, coeffs=None):
    """Shares 1..n (index, data) of a secret under a random polynomial of
    degree m-1, or of the given coefficients (of x^1 .. x^(m-1))."""
    if coeffs is None:
        coeffs = [os.urandom(len(secret)) for _ in range(m - 1)]
    shares = []
    for x in range(1, n + 1):
        data = bytearray(len(secret))
        for i, s in enumerate(secret):
            y = 0
            for c in reversed(coeffs):
                y = gf_mul(y ^ c[i], x)
            data[i] = y ^ s
        shares.append((x, bytes(data)))
    return shares


def combine(shares):
    """The secret at x = 0 of the polynomial through the (index, data)
    shares (Lagrange)."""
    xs = [x for x, _ in shares]
    if not xs or 0 in xs or len(set(xs)) != len(xs):
        raise ValueError("shares with a zero or repeated index")
    secret = bytearray(len(shares[0][1]))
    for j, (xj, data) in enumerate(shares):
        num, den = 1, 1
        for i, xi in enumerate(xs):
            if i != j:
                num, den = gf_mul(num, xi), gf_mul(den, xi ^ xj)
        lj = gf_mul(num, gf_inv(den))
        for b, d in enumerate(data):
            secret[b] ^= gf_mul(lj, d)
    return bytes(secret)


# ------------------------------------------------------------ share files
SHARE_MAGIC = "clonedev share 1\n"
SHARE_FIELDS = ("serial", "partition", "kind", "domainlabel", "fingerprint", "quorum",
                "index", "share")
FILE_KINDS = ("po", "co", "cu", "domain", "rpv")


def crc32(text):
    """CRC-32 (IEEE 802.3) of a text."""
    return zlib.crc32(text.encode()) & 0xFFFFFFFF


def sharefile_text(sf):
    """A share file's text, crc line included."""
    fp = sf["fingerprint"].hex() if sf["kind"] in ("domain", "rpv") else "-"
    body = (f"{SHARE_MAGIC}serial {sf['serial']}\npartition {sf['partition']}\n"
            f"kind {sf['kind']}\ndomainlabel {sf['domainlabel'] or '-'}\n"
            f"fingerprint {fp}\nquorum {sf['m']}/{sf['n']}\nindex {sf['index']}\n"
            f"share {sf['data'].hex()}\n")
    return body + f"crc {crc32(body):08x}\n"


def sharefile_name(sf):
    """<partition>-<serial>-<kind>[-<domain label>]-<i>of<n>.share."""
    def part(s):
        return s.replace("/", "_").replace(" ", "_")
    dom = "-" + part(sf["domainlabel"]) if sf["domainlabel"] else ""
    return f"{part(sf['partition'])}-{sf['serial']}-{sf['kind']}{dom}-" \
           f"{sf['index']}of{sf['n']}.share"


def parse_fields(lines):
    """The fields of a share file's lines (the crc line excluded)."""
    if len(lines) != len(SHARE_FIELDS):
        raise ValueError("wrong number of lines")
    fields = {}
    for line, name in zip(lines, SHARE_FIELDS):
        key, _, value = line.partition(" ")
        if key != name or not value:
            raise ValueError(f"expected the {name} line")
        fields[name] = value
    return fields


def parse_sharefile(text):
    """A share file's fields, or ValueError naming what is wrong."""
    if not text.startswith(SHARE_MAGIC) or not text.endswith("\n"):
        raise ValueError("not a share file")
    body, _, crc_line = text[:-1].rpartition("\n")
    body += "\n"
    if crc_line != f"crc {crc32(body):08x}":
        raise ValueError("damaged (the CRC does not match)")
    f = parse_fields(body[len(SHARE_MAGIC):-1].split("\n"))
    m, _, n = f["quorum"].partition("/")
    sf = {"serial": int(f["serial"]), "partition": f["partition"], "kind": f["kind"],
          "domainlabel": "" if f["domainlabel"] == "-" else f["domainlabel"],
          "m": int(m), "n": int(n), "index": int(f["index"]), "data": bytes.fromhex(f["share"]),
          "fingerprint": bytes(FINGERPRINT_LEN)}
    if sf["kind"] not in FILE_KINDS:
        raise ValueError(f"unknown kind {sf['kind']}")
    if sf["kind"] in ("domain", "rpv"):
        sf["fingerprint"] = bytes.fromhex(f["fingerprint"])
    if sf["kind"] != "domain":
        sf["domainlabel"] = ""
    check_sharefile(sf)
    return sf


def check_sharefile(sf):
    """The quorum, index and lengths of a parsed share file."""
    if not 1 <= sf["m"] <= sf["n"] <= SHARES_MAX or not 1 <= sf["index"] <= sf["n"]:
        raise ValueError("bad quorum or index")
    if len(sf["data"]) != 32 or len(sf["fingerprint"]) != FINGERPRINT_LEN:
        raise ValueError("bad share or fingerprint length")
    if len(sf["domainlabel"].encode()) > LABEL_LEN:
        raise ValueError("domain label too long")


def read_sharefile(path):
    """A share file's fields; ValueError says what is wrong with it."""
    with open(path, encoding="ascii", errors="strict") as f:
        text = f.read(1025)
    if len(text) > 1024:
        raise ValueError("too long")
    return parse_sharefile(text)


def secret_group(sf):
    """What the shares of one secret have in common."""
    return (sf["kind"], sf["serial"], sf["domainlabel"], sf["m"], sf["n"], sf["fingerprint"])


def pick_quorum(files):
    """M shares of one secret among share files (distinct indexes), as
    (status, group, shares): status 2 if there are no files, 3 if no
    secret has M."""
    if not files:
        return NO_SHARES, None, []
    groups = {}
    for sf in files:
        groups.setdefault(secret_group(sf), {}).setdefault(sf["index"], sf["data"])
    for group in sorted(groups, key=lambda g: (g[1], g[3], g[4], g[5])):
        shares = sorted(groups[group].items())
        if len(shares) >= group[3]:
            return SERVED, group, shares[:group[3]]
    return TOO_FEW, None, []


def load_rpv(paths):
    """The RPV and its id from M share files of kind rpv."""
    files = []
    for path in paths:
        try:
            files.append(read_sharefile(path))
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
    if any(sf["kind"] != "rpv" for sf in files):
        raise ValueError("an -rpv file is not of kind rpv")
    if len({secret_group(sf) for sf in files}) != 1:
        raise ValueError("the -rpv files are shares of different secrets")
    status, group, shares = pick_quorum(files)
    if status != SERVED:
        raise ValueError("fewer -rpv files than the quorum needs")
    rpv = combine(shares)
    if not hmac.compare_digest(rpv_id_of(rpv), group[5]):
        raise ValueError("the -rpv shares do not combine to their fingerprint")
    return rpv, group[5]


RPV_MAX = 16        # vectors a server holds, as clonedev-pedserver


def load_rpvs(sets):
    """The RPVs of the server's -rpv options (each M share files,
    comma-separated) as {rpv_id: (rpv, serial, partition, m, n)}: a set
    given twice is one vector; two sets of one id that differ are refused."""
    vectors = {}
    for files in sets:
        paths = files.split(",")
        try:
            rpv, rpv_id = load_rpv(paths)
        except ValueError as err:
            raise ValueError(f"-rpv {files}: {err}") from None
        first = read_sharefile(paths[0])
        vector = (rpv, first["serial"], first["partition"], first["m"], first["n"])
        old = vectors.setdefault(rpv_id, vector)
        if not hmac.compare_digest(old[0], rpv) or old[1:] != vector[1:]:
            raise ValueError(f"-rpv {files} gives RPV {rpv_id.hex()}, which an earlier -rpv "
                             "gives with another key, partition or quorum")
    if len(vectors) > RPV_MAX:
        raise ValueError(f"a server holds at most {RPV_MAX} RPVs, -rpv gives {len(vectors)}")
    return vectors


# ------------------------------------------------------------- messages
def header(mtype, seq, body_len):
    """A message header."""
    return HEADER.pack(MAGIC, VERSION, mtype, 0, seq, body_len)


def check(msg, mtype, seq, body_len):
    """A message of the type, sequence and body length the state expects;
    ERROR unexpected otherwise. Returns the body."""
    if len(msg) < HEADER.size:
        raise ChannelError(UNEXPECTED, "a message shorter than its header")
    magic, version, got, reserved, got_seq, length = HEADER.unpack_from(msg)
    if (magic, version, got, reserved, got_seq) != (MAGIC, VERSION, mtype, 0, seq) or \
            length != body_len or len(msg) != HEADER.size + length:
        raise ChannelError(UNEXPECTED, f"not the {TYPE_NAMES[mtype]} {seq} expected")
    return msg[HEADER.size:]


def seal(key, mtype, seq, plaintext):
    """A sealed message: AES-256-GCM, the header as associated data."""
    head = header(mtype, seq, len(plaintext) + TAG)
    return head + AESGCM(key).encrypt(u32(0) + u64(seq), plaintext, head)


def unseal(key, msg, mtype, seq, plain_len):
    """The plaintext of a sealed message; auth if it does not open."""
    body = check(msg, mtype, seq, plain_len + TAG)
    try:
        return AESGCM(key).decrypt(u32(0) + u64(seq), body, msg[:HEADER.size])
    except InvalidTag:
        raise ChannelError(AUTH, f"{TYPE_NAMES[mtype]} {seq} does not open") from None


def error_message(code, seq):
    """An ERROR message."""
    return header(ERROR, seq, ERROR_BODY.size) + ERROR_BODY.pack(code, 0)


def label_bytes(label):
    """A label as 32 NUL-padded bytes."""
    raw = label.encode("ascii")
    if len(raw) > LABEL_LEN:
        raise ValueError(f"label longer than {LABEL_LEN} bytes: {label}")
    return raw.ljust(LABEL_LEN, b"\0")


def label_text(raw):
    """A NUL-padded label's text; unexpected if not padded with NULs only
    or not ASCII."""
    text, _, pad = raw.partition(b"\0")
    if pad.strip(b"\0") or not text.isascii():
        raise ChannelError(UNEXPECTED, "a malformed label")
    return text.decode("ascii")


class Entropy:
    """Random bytes and ephemeral keys, or fixed ones (test vectors)."""

    def __init__(self, nonce=None, scalar=None):
        self.fixed_nonce, self.fixed_scalar = nonce, scalar

    def nonce(self):
        """A 32-byte nonce."""
        return self.fixed_nonce if self.fixed_nonce is not None else os.urandom(32)

    def ephemeral(self):
        """An ephemeral P-256 key."""
        return new_ephemeral(self.fixed_scalar)



def shares_plaintext(status, label_raw, group=None, shares=()):
    """SHARES' plaintext: the status, the quorum and fingerprint of the
    shares' group (status 0), the label asked and the shares."""
    m, n, fp = (group[3], group[4], group[5]) if group else (0, 0, bytes(FINGERPRINT_LEN))
    return SHARES_FIXED.pack(status, len(shares), m, n, fp, label_raw) + \
        b"".join(SHARE.pack(i, bytes(7), d) for i, d in shares)


# ---------------------------------------------------------------- server
class ServerChannel:
    """The server's side of one connection: step() takes each message of
    the kernel and returns the answer. A ChannelError's code is the ERROR
    to send before closing. vectors maps the id of each RPV held to the
    RPV; HELLO's rpv_id picks one. shares_for(kind, serial, label) returns
    the (status, group, shares) of a REQUEST; store(sf, shares) the STORED
    status of a STORE (sf: the share files' common fields)."""

    def __init__(self, vectors, shares_for, entropy=None, store=None):
        self.vectors, self.shares_for = vectors, shares_for
        self.store = store
        self.entropy = entropy or Entropy()
        self.state, self.seq = "hello", 0
        self.hello = self.accept = self.prk = self.k_ks = self.k_sk = None
        self.serial, self.label, self.last, self.last_store = None, None, None, None

    def step(self, msg):
        """The answer to one message."""
        handler = {"hello": self.on_hello, "finish": self.on_finish,
                   "request": self.on_request}.get(self.state)
        try:
            if handler is None:
                raise ChannelError(UNEXPECTED, "the channel has ended")
            return handler(msg)
        except ChannelError:
            self.state = "failed"
            self.wipe()
            raise

    def wipe(self):
        """Drops the channel's secrets."""
        self.prk = self.k_ks = self.k_sk = None

    def on_hello(self, msg):
        """HELLO: sends ACCEPT."""
        body = check(msg, HELLO, 0, HELLO_BODY.size)
        _, pk, serial, label, rpv_id, reserved = HELLO_BODY.unpack(body)
        if any(reserved):
            raise ChannelError(UNEXPECTED, "HELLO's reserved bytes are set")
        self.serial, self.label = serial, label_text(label)
        rpv = next((v for i, v in self.vectors.items() if hmac.compare_digest(i, rpv_id)), None)
        if rpv is None:
            raise ChannelError(RPV, f"HELLO names RPV {rpv_id.hex()}, which this server "
                               "does not hold")
        key = self.entropy.ephemeral()
        self.prk = prk_of(rpv, agree(key, pk))
        head = header(ACCEPT, 0, ACCEPT_BODY.size) + self.entropy.nonce() + public_bytes(key)
        self.hello, self.accept = msg, head + mac_s(self.prk, msg, head)
        self.state, self.seq = "finish", 1
        return self.accept

    def on_finish(self, msg):
        """FINISH: verifies MAC_K, sends READY."""
        body = check(msg, FINISH, 1, 32)
        want = mac_k(self.prk, self.hello, self.accept, msg[:HEADER.size])
        if not hmac.compare_digest(body, want):
            raise ChannelError(AUTH, "MAC_K does not verify")
        self.k_ks, self.k_sk = traffic_keys(self.prk, self.hello, self.accept, msg)
        self.prk = None
        self.state, self.seq = "request", 2
        return seal(self.k_sk, READY, 1, b"")

    def on_request(self, msg):
        """REQUEST: sends SHARES (a STORE: STORED)."""
        if len(msg) >= HEADER.size and msg[5] == STORE:
            return self.on_store(msg)
        plain = unseal(self.k_ks, msg, REQUEST, self.seq, REQUEST_PLAIN.size)
        kind, reserved, label_raw = REQUEST_PLAIN.unpack(plain)
        if kind not in KIND_NAMES or reserved or (kind != DOMAIN and any(label_raw)):
            raise ChannelError(UNEXPECTED, "a malformed REQUEST")
        label = label_text(label_raw) if kind == DOMAIN else ""
        status, group, shares = self.shares_for(kind, self.serial, label)
        self.last = (kind, label, status, group)
        out = seal(self.k_sk, SHARES, self.seq, shares_plaintext(status, label_raw, group, shares))
        self.seq += 1
        return out


    def on_store(self, msg):
        """STORE: has the shares written, sends STORED."""
        length = HEADER.unpack_from(msg)[5]
        count, rest = divmod(length - TAG - STORE_FIXED.size, SHARE.size)
        if rest or not 1 <= count <= SHARES_MAX:
            raise ChannelError(UNEXPECTED, "a STORE of a wrong length")
        plain = unseal(self.k_ks, msg, STORE, self.seq, STORE_FIXED.size + count * SHARE.size)
        kind, reserved, m, n, fp, label_raw = STORE_FIXED.unpack_from(plain)
        shares = [SHARE.unpack_from(plain, STORE_FIXED.size + i * SHARE.size)
                  for i in range(count)]
        if kind not in KIND_NAMES or reserved or n != count or not 1 <= m <= n or \
                sorted(i for i, _, _ in shares) != list(range(1, n + 1)) or \
                any(any(r) for _, r, _ in shares):
            raise ChannelError(UNEXPECTED, "a malformed STORE")
        label = label_text(label_raw)
        if (kind == DOMAIN) != bool(label) or (kind != DOMAIN and any(fp)) or \
                not all(0x20 <= ord(c) <= 0x7E for c in label):
            raise ChannelError(UNEXPECTED, "a STORE with a bad label or fingerprint")
        sf = {"serial": self.serial, "partition": self.label, "kind": KIND_NAMES[kind],
              "domainlabel": label, "fingerprint": fp, "m": m, "n": n}
        status = self.store(sf, [(i, d) for i, _, d in shares]) if self.store else NOT_WRITTEN
        self.last_store = (sf, status)
        out = seal(self.k_sk, STORED, self.seq, STORED_PLAIN.pack(status, 0))
        self.seq += 1
        return out


def flip(msg, offset):
    """msg with the low bit of one byte flipped."""
    out = bytearray(msg)
    out[offset] ^= 1
    return bytes(out)


# Misbehaving servers (to test a kernel's checks): what each changes in SHARES' plaintext
SHARES_MANGLES = ("count", "index-repeat", "index-zero", "index-high", "reserved", "quorum")
MISBEHAVIOURS = sorted(("mac-s", "pk", "reflect", "ready", "shares-tag", "shares-seq")
                       + SHARES_MANGLES)


def mangle_shares(plain, how):
    """A served SHARES' plaintext that breaks one of the kernel's rules."""
    out = bytearray(plain)
    first = SHARES_FIXED.size
    m, n = struct.unpack_from(">II", out, 8)
    if how == "count":
        struct.pack_into(">I", out, 4, m + 1)
        out += SHARE.pack(n, bytes(7), os.urandom(32))
    elif how == "index-repeat":
        out[first + SHARE.size] = out[first]
    elif how in ("index-zero", "index-high"):
        out[first] = 0 if how == "index-zero" else n + 1
    elif how == "reserved":
        out[first + 1] = 1
    else:
        struct.pack_into(">I", out, 12, m - 1)
    return bytes(out)


class MisbehavingChannel(ServerChannel):
    """A server that breaks the protocol in one way, to test a kernel."""

    def __init__(self, *args, misbehave, **kwargs):
        super().__init__(*args, **kwargs)
        self.misbehave = misbehave

    def on_hello(self, msg):
        accept = super().on_hello(msg)
        if self.misbehave == "reflect":
            return msg
        if self.misbehave == "pk":
            head = flip(accept[:-32], -1)
            self.accept = head + mac_s(self.prk, msg, head)
            return self.accept
        return flip(accept, -1) if self.misbehave == "mac-s" else accept

    def on_finish(self, msg):
        ready = super().on_finish(msg)
        return flip(ready, -1) if self.misbehave == "ready" else ready

    def on_request(self, msg):
        out = super().on_request(msg)
        seq = self.seq - 1
        if self.last[2] != SERVED:
            return out
        if self.misbehave == "shares-tag":
            return flip(out, -1)
        if self.misbehave == "shares-seq":
            return seal(self.k_sk, SHARES, seq + 1, unseal(self.k_sk, out, SHARES, seq,
                                                           len(out) - HEADER.size - TAG))
        if self.misbehave in SHARES_MANGLES:
            plain = unseal(self.k_sk, out, SHARES, seq, len(out) - HEADER.size - TAG)
            return seal(self.k_sk, SHARES, seq, mangle_shares(plain, self.misbehave))
        return out


class ShareDir:
    """The share files of a directory, read again for each REQUEST."""

    def __init__(self, path, confirm):
        self.path, self.confirm = path, confirm
        self.lock = threading.Lock()

    def store(self, sf, shares):
        """A STORE's shares as new share files: the STORED status."""
        if self.confirm == "deny":
            return REFUSED
        with self.lock:
            return store_sharefiles(self.path, sf, shares)

    def files(self):
        """The readable share files (others are left out)."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.path, "*.share"))):
            try:
                out.append(read_sharefile(path))
            except (OSError, ValueError, UnicodeError):
                continue
        return out

    def __call__(self, kind, serial, label):
        if self.confirm == "deny":
            return REFUSED, None, []
        name = KIND_NAMES[kind]
        fits = [sf for sf in self.files() if sf["kind"] == name and
                (sf["domainlabel"] == label if kind == DOMAIN else sf["serial"] == serial)]
        return pick_quorum(fits)


# --------------------------------------------------------------- framing
def send_frame(sock, msg):
    """One frame: u32 length, the message."""
    sock.sendall(u32(len(msg)) + msg)


def recv_exact(sock, n, deadline):
    """n bytes, all before the deadline; Closed on EOF or time out."""
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimedOut("idle or too slow")
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            raise TimedOut("idle or too slow") from None
        except OSError as err:
            raise Closed(f"connection error: {err.strerror}") from None
        if not chunk:
            raise Closed("end of stream")
        buf += chunk
    return buf


def recv_frame(sock, timeout):
    """One frame's message, whole within timeout seconds; Closed for the
    end, a zero length or one above MSG_MAX (whose bytes are not read)."""
    deadline = time.monotonic() + timeout
    (n,) = struct.unpack(">I", recv_exact(sock, 4, deadline))
    if n == 0:
        raise Closed("a zero length: end of the channel")
    if n > MSG_MAX:
        raise Closed(f"a frame of {n} bytes, above {MSG_MAX}")
    return recv_exact(sock, n, deadline)


def log(text):
    """One line on standard error."""
    print(f"pedpeer: {text}", file=sys.stderr, flush=True)


def store_line(chan):
    """The log line of a STORE answered (no secret in it)."""
    sf, status = chan.last_store
    what = sf["kind"] + (f" {sf['domainlabel']}" if sf["domainlabel"] else "")
    return f"serial {chan.serial} ({chan.label}): store {what}, {sf['m']} of {sf['n']}: " \
           f"status {status} ({STORED_NAMES[status]})"


def request_line(chan):
    """The log line of a REQUEST answered (no secret in it)."""
    kind, label, status, group = chan.last
    what = KIND_NAMES[kind] + (f" {label}" if kind == DOMAIN else "")
    quorum = f", {group[3]} of {group[4]}" if group else ""
    return f"serial {chan.serial} ({chan.label}): request {what}: status {status} " \
           f"({STATUS_NAMES[status]}{quorum})"


def serve_connection(conn, peer, args, vectors, sharedir):
    """One connection, until its channel ends."""
    chan = ServerChannel(vectors, sharedir, store=sharedir.store) \
        if not args.misbehave else \
        MisbehavingChannel(vectors, sharedir, misbehave=args.misbehave,
                           store=sharedir.store)
    try:
        while True:
            msg = recv_frame(conn, args.idle)
            send_frame(conn, chan.step(msg))
            if chan.last:
                log(f"{peer}: {request_line(chan)}")
                chan.last = None
            if chan.last_store:
                log(f"{peer}: {store_line(chan)}")
                chan.last_store = None
    except Closed as why:
        if chan.state != "request" or str(why) != "end of stream":
            log(f"{peer}: closed in state {chan.state}: {why}")
    except ChannelError as err:
        log(f"{peer}: ERROR {ERROR_NAMES[err.code]}: {err}")
        with_errors_ignored(send_frame, conn, error_message(err.code, chan.seq))
    except OSError as err:
        log(f"{peer}: {err.strerror or err}")
    finally:
        chan.wipe()
        conn.close()


def with_errors_ignored(func, *args):
    """func(*args), an OSError ignored (the peer may be gone)."""
    try:
        func(*args)
    except OSError:
        pass


def cmd_server(args):
    """A PED server: many connections, one thread each."""
    loaded = load_rpvs(args.rpv)
    vectors = {rpv_id: v[0] for rpv_id, v in loaded.items()}
    sharedir = ShareDir(args.sharedir, args.confirm)
    lsock = socket.create_server((args.ip, args.port), reuse_port=False)
    host, port = lsock.getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    served = ", ".join(f"partition {serial} ({label}) for RPV {rpv_id.hex()}"
                       for rpv_id, (_, serial, label, _, _) in loaded.items())
    log(f"serving {args.sharedir} to {served}, confirm {args.confirm}")
    while True:
        conn, addr = lsock.accept()
        threading.Thread(target=serve_connection, daemon=True,
                         args=(conn, f"{addr[0]}:{addr[1]}", args, vectors,
                               sharedir)).start()


# ---------------------------------------------------------------- kernel
def remote_error(msg):
    """ChannelError for a well-formed ERROR message, else None."""
    if len(msg) != HEADER.size + ERROR_BODY.size:
        return None
    magic, version, mtype, _, _, length = HEADER.unpack_from(msg)
    if (magic, version, mtype, length) != (MAGIC, VERSION, ERROR, ERROR_BODY.size):
        return None
    code, _ = ERROR_BODY.unpack_from(msg, HEADER.size)
    err = ChannelError(code, f"ERROR {ERROR_NAMES.get(code, code)} from the server")
    err.remote = True
    return err


class KernelChannel:
    """The kernel's side of a channel. lenient: go on after MAC_S fails
    (to see what a server does with a tampered channel)."""

    def __init__(self, rpv, serial, label, rpv_id=None, entropy=None, lenient=False):
        self.rpv, self.serial, self.label = rpv, serial, label_bytes(label)
        self.rpv_id = rpv_id or rpv_id_of(rpv)
        self.entropy, self.lenient = entropy or Entropy(), lenient
        self.key = self.hello = self.accept = self.finish = None
        self.k_ks = self.k_sk = None
        self.seq, self.mac_s_ok, self.asked = 2, None, None

    def start(self):
        """HELLO."""
        self.key = self.entropy.ephemeral()
        body = HELLO_BODY.pack(self.entropy.nonce(), public_bytes(self.key), self.serial,
                               self.label, self.rpv_id, bytes(8))
        self.hello = header(HELLO, 0, HELLO_BODY.size) + body
        return self.hello

    def expect(self, msg):
        """Raises the server's ERROR if msg is one."""
        err = remote_error(msg)
        if err:
            raise err

    def on_accept(self, msg):
        """ACCEPT: verifies MAC_S, returns FINISH."""
        self.expect(msg)
        _, ps, mac = ACCEPT_BODY.unpack(check(msg, ACCEPT, 0, ACCEPT_BODY.size))
        prk = prk_of(self.rpv, agree(self.key, ps))
        self.key = None
        self.mac_s_ok = hmac.compare_digest(mac, mac_s(prk, self.hello, msg[:-32]))
        if not self.mac_s_ok and not self.lenient:
            raise ChannelError(AUTH, "MAC_S does not verify")
        self.accept = msg
        head = header(FINISH, 1, 32)
        self.finish = head + mac_k(prk, self.hello, msg, head)
        self.k_ks, self.k_sk = traffic_keys(prk, self.hello, msg, self.finish)
        return self.finish

    def on_ready(self, msg):
        """READY: the server holds the same keys."""
        self.expect(msg)
        unseal(self.k_sk, msg, READY, 1, 0)

    def request(self, kind, label="", seq=None):
        """REQUEST (at another sequence number if seq is given)."""
        self.asked = (kind, label_bytes(label) if kind == DOMAIN else bytes(LABEL_LEN))
        plain = REQUEST_PLAIN.pack(kind, 0, self.asked[1])
        return seal(self.k_ks, REQUEST, self.seq if seq is None else seq, plain)

    def on_shares(self, msg):
        """SHARES: (status, m, n, fingerprint, shares), checked as the
        kernel checks them."""
        self.expect(msg)
        length = HEADER.unpack_from(msg)[5] if len(msg) >= HEADER.size else 0
        count = (length - TAG - SHARES_FIXED.size) // SHARE.size
        if not 0 <= count <= SHARES_MAX:
            raise ChannelError(UNEXPECTED, "SHARES of a wrong length")
        plain = unseal(self.k_sk, msg, SHARES, self.seq, SHARES_FIXED.size + count * SHARE.size)
        self.seq += 1
        return check_shares(plain, count, self.asked)

    def store(self, kind, label, secret, m, n):
        """STORE of a secret's n shares (M of them combine it)."""
        fp = domain_fingerprint(secret) if kind == DOMAIN else bytes(FINGERPRINT_LEN)
        return self.store_shares(kind, label, fp, m, split(secret, m, n))

    def store_shares(self, kind, label, fp, m, shares):
        """STORE of (index, data) shares, all n of them."""
        raw = label_bytes(label) if kind == DOMAIN else bytes(LABEL_LEN)
        plain = STORE_FIXED.pack(kind, 0, m, len(shares), fp, raw) + \
            b"".join(SHARE.pack(i, bytes(7), d) for i, d in shares)
        return seal(self.k_ks, STORE, self.seq, plain)

    def on_stored(self, msg):
        """STORED: its status."""
        self.expect(msg)
        status, reserved = STORED_PLAIN.unpack(unseal(self.k_sk, msg, STORED, self.seq,
                                                      STORED_PLAIN.size))
        self.seq += 1
        if status not in STORED_NAMES or reserved:
            raise ChannelError(UNEXPECTED, "STORED with a bad status or reserved field")
        return status


def check_shares(plain, count, asked):
    """The checked fields of SHARES' plaintext."""
    status, n_shares, m, n, fp, label = SHARES_FIXED.unpack_from(plain)
    shares = [SHARE.unpack_from(plain, SHARES_FIXED.size + i * SHARE.size) for i in range(count)]
    kind, label_raw = asked
    if label != label_raw or (kind != DOMAIN and any(fp)):
        raise ChannelError(UNEXPECTED, "SHARES names another label or a fingerprint")
    if status not in STATUS_NAMES or n_shares != count:
        raise ChannelError(UNEXPECTED, "SHARES with a bad status or count")
    if status != SERVED:
        if count or m or n:
            raise ChannelError(UNEXPECTED, "SHARES refused but with a quorum or shares")
        return status, 0, 0, fp, []
    indexes = [i for i, _, _ in shares]
    if count != m or not 1 <= m <= n <= SHARES_MAX or len(set(indexes)) != count or \
            not all(1 <= i <= n for i in indexes) or any(any(r) for _, r, _ in shares):
        raise ChannelError(UNEXPECTED, "SHARES with a bad quorum, index or reserved byte")
    return status, m, n, fp, [(i, d) for i, _, d in shares]


# ---------------------------------------------------------------- client
# Tampering: (message, offset) of a flipped byte, as a relay would
FLIPS = {"hello": ("hello", HEADER.size),                      # Nk
         "hello-pk": ("hello", HEADER.size + 32 + PUBLIC_LEN - 1),   # Pk's last byte
         "finish": ("finish", HEADER.size),                    # MAC_K
         "request": ("request", HEADER.size + 4)}              # the ciphertext
TAMPERS = sorted(list(FLIPS) + ["key", "replay", "reflect", "truncate", "seq", "garbage",
                                "huge", "short", "slow"])


def edit(stage, tamper, msg):
    """A message as the tampering relay passes it on."""
    if FLIPS.get(tamper, (None,))[0] == stage:
        out = bytearray(msg)
        out[FLIPS[tamper][1]] ^= 1
        return bytes(out)
    if tamper == "truncate" and stage == "request":
        out = bytearray(msg[:-1])
        struct.pack_into(">I", out, 12, len(out) - HEADER.size)
        return bytes(out)
    return msg


class Client:
    """The kernel's side of channels to one server, with a tamper mode."""

    def __init__(self, args, rpv, rpv_id):
        self.args, self.tamper = args, args.tamper
        self.rpv, self.rpv_id = rpv, rpv_id
        self.old_finish = None

    def connect(self):
        """A connection to the server."""
        return socket.create_connection((self.args.ip, self.args.port), timeout=self.args.wait)

    def channel(self):
        """A kernel channel (of a wrong RPV under the right id for tamper key)."""
        rpv = self.rpv
        if self.tamper == "key":
            rpv = bytes([rpv[0] ^ 1]) + rpv[1:]
        return KernelChannel(rpv, self.args.serial, self.args.label, rpv_id=self.rpv_id,
                             lenient=self.tamper is not None)

    def recv(self, sock):
        """The server's next message."""
        return recv_frame(sock, self.args.wait)

    def handshake(self, sock, chan):
        """HELLO, ACCEPT, FINISH, READY."""
        send_frame(sock, edit("hello", self.tamper, chan.start()))
        finish = chan.on_accept(self.recv(sock))
        if chan.mac_s_ok is False:
            log("MAC_S does not verify; going on (tampering)")
        if self.tamper == "reflect":
            finish = chan.accept
        elif self.tamper == "replay":
            finish = self.old_finish
        send_frame(sock, edit("finish", self.tamper, finish))
        chan.on_ready(self.recv(sock))

    def exchange(self, sock, chan, kind, label):
        """One REQUEST and its SHARES, or a STORE (kind "store", label
        (kind, label, secret, m, n)) and its STORED."""
        if kind == "store":
            send_frame(sock, chan.store(*label))
            return chan.on_stored(self.recv(sock))
        seq = chan.seq + 1 if self.tamper == "seq" else None
        send_frame(sock, edit("request", self.tamper, chan.request(kind, label, seq)))
        return chan.on_shares(self.recv(sock))

    def record_finish(self):
        """A FINISH of a whole earlier channel, to replay."""
        with self.connect() as sock:
            chan = KernelChannel(self.rpv, self.args.serial, self.args.label)
            self.handshake(sock, chan)
            self.old_finish = chan.finish

    def run(self, requests):
        """The channel and its requests: a list of SHARES results."""
        try:
            return self.run_channel(requests)
        except (BrokenPipeError, ConnectionResetError) as err:
            raise Closed(f"connection error: {err.strerror}") from None

    def run_channel(self, requests):
        """run(), the connection's errors not caught."""
        if self.tamper in ("garbage", "huge", "short", "slow"):
            with self.connect() as sock:
                return self.broken_frame(sock)
        if self.tamper == "replay":
            saved, self.tamper = self.tamper, None
            self.record_finish()
            self.tamper = saved
        with self.connect() as sock:
            chan = self.channel()
            self.handshake(sock, chan)
            return [self.exchange(sock, chan, kind, label) for kind, label in requests]

    def broken_frame(self, sock):
        """Sends a bad frame, then waits for the server's answer."""
        hello = u32(HEADER.size + HELLO_BODY.size) + self.channel().start()
        if self.tamper == "garbage":
            send_frame(sock, os.urandom(100))
        elif self.tamper == "huge":
            sock.sendall(u32(0x7FFFFFFF) + os.urandom(64))
        elif self.tamper == "short":
            sock.sendall(hello[:len(hello) // 2])
            sock.shutdown(socket.SHUT_WR)
        else:
            for b in hello[:self.args.slow_bytes]:
                sock.sendall(bytes([b]))
                time.sleep(self.args.pause)
        msg = self.recv(sock)
        err = remote_error(msg)
        if err:
            raise err
        raise ChannelError(UNEXPECTED, "the server answered a broken frame")


def parse_request(text):
    """(kind, label) of po, co, cu or domain:LABEL."""
    kind, _, label = text.partition(":")
    if kind not in KINDS or (kind == "domain") != bool(label):
        raise ValueError(f"a request is po, co, cu or domain:LABEL, not {text}")
    label_bytes(label)
    return KINDS[kind], label


def parse_store(text):
    """("store", (kind, label, secret, m, n)) of KIND[:LABEL]:M/N, a new
    random secret."""
    kind, _, rest = text.partition(":")
    label, _, quorum = rest.rpartition(":")
    m, _, n = quorum.partition("/")
    if kind not in KINDS or (kind == "domain") != bool(label) or not m.isdigit() or \
            not n.isdigit() or not 1 <= int(m) <= int(n) <= SHARES_MAX:
        raise ValueError(f"a store is po, co or cu:M/N or domain:LABEL:M/N, not {text}")
    label_bytes(label)
    return "store", (KINDS[kind], label, os.urandom(32), int(m), int(n))


def print_stored(status, what):
    """What a STORED said; with status 0 the stored secret's SHA-256
    prefix (a domain's: its fingerprint), to compare with its files."""
    kind, _, secret, m, n = what
    print(f"stored {status} ({STORED_NAMES[status]})")
    if status == WRITTEN:
        print(f"quorum {m}/{n}")
        print(f"fingerprint {domain_fingerprint(secret).hex()}" if kind == DOMAIN
              else f"secret sha256 {sha256(secret)[:8].hex()}")


def print_shares(result, kind):
    """What a SHARES gave, without a secret: for a role the combined
    secret's SHA-256 prefix, for a domain whether its fingerprint holds."""
    status, m, n, fp, shares = result
    print(f"status {status} ({STATUS_NAMES[status]})")
    if status != SERVED:
        return
    print(f"quorum {m}/{n}")
    print("indexes " + " ".join(str(i) for i, _ in shares))
    secret = combine(shares)
    if kind == DOMAIN:
        print(f"fingerprint {fp.hex()}")
        ok = hmac.compare_digest(domain_fingerprint(secret), fp)
        print("combined fingerprint " + ("ok" if ok else "mismatch"))
    else:
        print(f"combined sha256 {sha256(secret)[:8].hex()}")


def cmd_client(args):
    """The kernel's side of one channel; prints each SHARES, or how the
    channel ended."""
    rpv, rpv_id = load_rpv(args.rpv.split(","))
    requests = [parse_store(r[6:]) if r.startswith("store:") else parse_request(r)
                for r in args.request or []]
    try:
        results = Client(args, rpv, rpv_id).run(requests)
    except TimedOut as why:
        print(f"timeout: {why}")
        return 1
    except Closed as why:
        print(f"closed: {why}")
        return 1
    except ChannelError as err:
        remote = getattr(err, "remote", False)
        print(f"error {err.code} {ERROR_NAMES.get(err.code, 'unknown')}" if remote
              else f"failed: {err}")
        return 1
    for (kind, what), result in zip(requests, results):
        if kind == "store":
            print_stored(result, what)
        else:
            print_shares(result, kind)
    return 0


# ------------------------------------------------------------ share files
def write_sharefile(directory, sf):
    """Writes one share file, mode 0600, never over another."""
    path = os.path.join(directory, sharefile_name(sf))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(sharefile_text(sf))
        f.flush()
        os.fsync(f.fileno())
    return path


def store_sharefiles(directory, sf, shares):
    """A STORE's shares as share files in directory: written in a private
    directory there, then each linked to its name (which never replaces a
    file) and its first name removed. All or none: status 2 if a name is
    taken or a step fails."""
    if not sf["partition"]:
        log("store: the partition has no label to name its files")
        return NOT_WRITTEN
    files = [dict(sf, index=i, data=d) for i, d in sorted(shares)]
    names = [os.path.join(directory, sharefile_name(f)) for f in files]
    taken = [name for name in names if os.path.lexists(name)]
    if taken:
        log(f"store: {taken[0]} exists already: nothing written")
        return NOT_WRITTEN
    done = []
    try:
        tmp = tempfile.mkdtemp(prefix=".pedstore-", dir=directory)
    except OSError as err:
        log(f"store: cannot write in {directory}: {err.strerror}")
        return NOT_WRITTEN
    try:
        for f, name in zip(files, names):
            os.link(write_sharefile(tmp, f), name)
            done.append(name)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        log(f"store: writing {err.filename or directory}: {err.strerror}")
        for name in done:
            with_errors_ignored(os.unlink, name)
        return NOT_WRITTEN
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return WRITTEN


def cmd_sharefiles(args):
    """Splits a secret (random, or -secret) and writes its share files;
    prints the secret's SHA-256 prefix and the fingerprint, not the secret."""
    m, _, n = args.quorum.partition("/")
    m, n = int(m), int(n)
    secret = bytes.fromhex(args.secret) if args.secret else os.urandom(32)
    if len(secret) != 32 or not 1 <= m <= n <= SHARES_MAX:
        raise ValueError("a secret is 32 bytes, a quorum M/N with 1 <= M <= N <= 16")
    if (args.kind == "domain") != bool(args.domainlabel):
        raise ValueError("-domainlabel goes with kind domain, and only with it")
    fp = {"domain": domain_fingerprint, "rpv": rpv_id_of}.get(args.kind)
    fp = fp(secret) if fp else bytes(FINGERPRINT_LEN)
    os.makedirs(args.dir, exist_ok=True)
    for index, data in split(secret, m, n):
        write_sharefile(args.dir, {"serial": args.serial, "partition": args.label,
                                   "kind": args.kind, "domainlabel": args.domainlabel or "",
                                   "fingerprint": fp, "m": m, "n": n, "index": index,
                                   "data": data})
    print(f"secret sha256 {sha256(secret)[:8].hex()}")
    if args.kind in ("domain", "rpv"):
        print(f"fingerprint {fp.hex()}")
    return 0


# --------------------------------------------------------------- vectors
VECTOR_RPV = bytes(range(0x00, 0x20))
VECTOR_NK = bytes(range(0x20, 0x40))
VECTOR_NS = bytes(range(0x40, 0x60))
VECTOR_DK = bytes(range(0x01, 0x21))        # the kernel's ephemeral scalar
VECTOR_DS = bytes(range(0x21, 0x41))        # the server's
VECTOR_SERIAL, VECTOR_LABEL = 932182447457, "vault"
VECTOR_GROUP = ("co", VECTOR_SERIAL, "", 2, 3, bytes(FINGERPRINT_LEN))
VECTOR_SHARES = [(1, bytes(range(0x60, 0x80))), (3, bytes(range(0x80, 0xA0)))]
VECTOR_STORED = [(1, bytes(range(0xA0, 0xC0))), (2, bytes(range(0xC0, 0xE0)))]
# kmod/quorum.c's known answer: secret 01..20, M = 3, c1[i] = 0x5a + 7i,
# c2[i] = 0xc3 ^ 13i; shares 1 and 5 of 5
SHAMIR_SECRET = bytes(range(1, 33))
SHAMIR_COEFFS = [bytes((0x5A + 7 * i) & 0xFF for i in range(32)),
                 bytes(0xC3 ^ ((13 * i) & 0xFF) for i in range(32))]


def vector_channel():
    """A whole in-process channel with the fixed inputs: the messages
    HELLO, ACCEPT, FINISH, READY, REQUEST (co), SHARES, STORE (cu),
    STORED."""
    def shares_for(kind, serial, label):
        if (kind, serial, label) != (KINDS["co"], VECTOR_SERIAL, ""):
            raise RuntimeError("the vector REQUEST is not the one expected")
        return SERVED, VECTOR_GROUP, VECTOR_SHARES

    def store(sf, shares):
        if (sf["kind"], sf["serial"], sf["partition"], sf["m"], sf["n"], shares) != \
                ("cu", VECTOR_SERIAL, VECTOR_LABEL, 2, 2, VECTOR_STORED):
            raise RuntimeError("the vector STORE is not the one expected")
        return WRITTEN

    server = ServerChannel({rpv_id_of(VECTOR_RPV): VECTOR_RPV}, shares_for,
                           Entropy(VECTOR_NS, VECTOR_DS), store)
    kernel = KernelChannel(VECTOR_RPV, VECTOR_SERIAL, VECTOR_LABEL,
                           entropy=Entropy(VECTOR_NK, VECTOR_DK))
    hello = kernel.start()
    accept = server.step(hello)
    finish = kernel.on_accept(accept)
    ready = server.step(finish)
    kernel.on_ready(ready)
    request = kernel.request(KINDS["co"])
    shares = server.step(request)
    if kernel.on_shares(shares) != (SERVED, 2, 3, bytes(8), VECTOR_SHARES):
        raise RuntimeError("the vector SHARES do not give the shares sent")
    store = kernel.store_shares(KINDS["cu"], "", bytes(FINGERPRINT_LEN), 2, VECTOR_STORED)
    stored = server.step(store)
    if kernel.on_stored(stored) != WRITTEN:
        raise RuntimeError("the vector STORED does not say written")
    return hello, accept, finish, ready, request, shares, store, stored


def key_schedule(hello, accept, finish):
    """The key schedule of a channel's messages, each value checked
    against the messages (independently of the channel objects)."""
    pk, ps = new_ephemeral(VECTOR_DK), new_ephemeral(VECTOR_DS)
    z = agree(pk, public_bytes(ps))
    if z != agree(ps, public_bytes(pk)):
        raise RuntimeError("the vector ECDH sides disagree")
    prk = prk_of(VECTOR_RPV, z)
    h_1, h_2, h_3 = (sha256(hello + accept[:-32]), sha256(hello + accept + finish[:16]),
                     sha256(hello + accept + finish))
    out = {"Pk": public_bytes(pk).hex(), "Ps": public_bytes(ps).hex(), "Z": z.hex(),
           "PRK": prk.hex(), "H_1": h_1.hex(), "MAC_S": hmac256(prk, SERVER_LABEL + h_1).hex(),
           "H_2": h_2.hex(), "MAC_K": hmac256(prk, KERNEL_LABEL + h_2).hex(), "H_3": h_3.hex(),
           "K_ks": hkdf_expand(prk, K2S_LABEL + h_3).hex(),
           "K_sk": hkdf_expand(prk, S2K_LABEL + h_3).hex()}
    if out["MAC_S"] != accept[-32:].hex() or out["MAC_K"] != finish[16:].hex():
        raise RuntimeError("the vector MACs differ from the messages'")
    return out


def compute_vectors():
    """The test vectors as a JSON document."""
    names = ("HELLO", "ACCEPT", "FINISH", "READY", "REQUEST", "SHARES", "STORE", "STORED")
    messages = vector_channel()
    keys = key_schedule(*messages[:3])
    k_ks, k_sk = bytes.fromhex(keys["K_ks"]), bytes.fromhex(keys["K_sk"])
    shamir = split(SHAMIR_SECRET, 3, 5, SHAMIR_COEFFS)
    return {"inputs": {"RPV": VECTOR_RPV.hex(), "Nk": VECTOR_NK.hex(), "Ns": VECTOR_NS.hex(),
                       "kernel_ephemeral_scalar": VECTOR_DK.hex(),
                       "server_ephemeral_scalar": VECTOR_DS.hex(),
                       "serial": VECTOR_SERIAL, "label": VECTOR_LABEL,
                       "request": "kind 2 (co), sequence 2",
                       "shares": "status 0, quorum 2/3, indexes 1 and 3, data 60..7f and 80..9f",
                       "store": "kind 3 (cu), sequence 3, quorum 2/2, indexes 1 and 2, "
                                "data a0..bf and c0..df",
                       "stored": "status 0, sequence 3"},
            "rpv_id": rpv_id_of(VECTOR_RPV).hex(), **keys,
            "messages": dict(zip(names, (m.hex() for m in messages))),
            "plaintext": {"REQUEST": unseal(k_ks, messages[4], REQUEST, 2, 40).hex(),
                          "SHARES": unseal(k_sk, messages[5], SHARES, 2, 136).hex(),
                          "STORE": unseal(k_ks, messages[6], STORE, 3, 136).hex(),
                          "STORED": unseal(k_sk, messages[7], STORED, 3, 8).hex()},
            "domain_fingerprint": {"secret": VECTOR_RPV.hex(),
                                   "fingerprint": domain_fingerprint(VECTOR_RPV).hex()},
            "shamir": {"secret": SHAMIR_SECRET.hex(), "c1": SHAMIR_COEFFS[0].hex(),
                       "c2": SHAMIR_COEFFS[1].hex(), "share1": shamir[0][1].hex(),
                       "share5": shamir[4][1].hex(),
                       "combined_2_4_5": combine([shamir[1], shamir[3], shamir[4]]).hex()}}


def doc_lines(label, value, width=9):
    """A hex value as the document shows it: 32 bytes a line, label first."""
    chunks = [value[i:i + 64] for i in range(0, len(value), 64)] or [""]
    return [f"{label:<{width}}{chunks[0]}"] + [f"{'':<{width}}{c}" for c in chunks[1:]]


def doc_block(doc):
    """The text of the document's code block."""
    lines = []
    for label in ("rpv_id", "Pk", "Ps", "Z", "PRK", "H_1", "MAC_S", "H_2", "MAC_K", "H_3",
                  "K_ks", "K_sk"):
        lines += doc_lines(label, doc[label])
    for label, value in doc["messages"].items():
        lines += doc_lines(label, value)
    lines.append("the plaintexts of REQUEST, SHARES, STORE and STORED")
    for label, value in doc["plaintext"].items():
        lines += doc_lines(label, value)
    return "\n".join(lines) + "\n"


def doc_values(path):
    """The hex values of the code blocks of a document's "Test vectors"
    section: "LABEL HEX" starts one, a line of hex alone continues it."""
    values, in_section, in_block = [], False, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == "## Test vectors"
            if in_section and line.startswith("```"):
                in_block = not in_block
                continue
            words = line.split() if in_section and in_block else []
            if len(words) == 1 and values and is_hex(words[0]):
                values[-1] += words[0]
            elif len(words) == 2 and is_hex(words[1]):
                values.append(words[1])
    return values


def is_hex(word):
    """Lowercase hex digits, a whole number of bytes."""
    return len(word) % 2 == 0 and all(c in "0123456789abcdef" for c in word)


def leaves(doc, path=""):
    """The (path, value) leaves of a JSON document."""
    if isinstance(doc, dict):
        return {leaf for key, value in doc.items() for leaf in leaves(value, f"{path}/{key}")}
    return {(path, doc)}


def check_doc(path, doc):
    """Every value the document's test vectors show is one of doc's."""
    known = {value for _, value in leaves(doc) if isinstance(value, str)}
    shown = doc_values(path)
    bad = [v for v in shown if v not in known]
    for value in bad:
        print(f"{path}: a test vector not in the vectors: {value[:32]}...", file=sys.stderr)
    if len(shown) < 20:
        print(f"{path}: only {len(shown)} test vectors found", file=sys.stderr)
        return 1
    return 1 if bad else 0


def cmd_vectors(args):
    """Writes, prints or checks the test vectors."""
    doc = compute_vectors()
    if args.doc_block:
        sys.stdout.write(doc_block(doc))
        return 0
    if not args.check:
        with open(args.file, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        return 0
    with open(args.file, encoding="utf-8") as f:
        diffs = sorted({path for path, _ in leaves(json.load(f)) ^ leaves(doc)})
    for path in diffs:
        print(f"vector differs: {path}", file=sys.stderr)
    rc = 1 if diffs else 0
    return rc | (check_doc(args.doc, doc) if args.doc else 0)


# --------------------------------------------------------------- spawner
def cmd_spawner(args):
    """Test only: starts commands of this file in children forked from one
    interpreter that has loaded it, so each start costs a fork, not an
    interpreter and its imports. A client connects to the socket and
    sends the command's arguments (each ended by a NUL) with its standard
    input, output and error (SCM_RIGHTS); the answer is the child's pid.
    Children are reaped here; the spawner ends when the process -watch
    names does, or on SIGTERM."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(args.socket)
    lsock.listen(8)
    lsock.settimeout(0.5)
    print("ready", flush=True)
    try:
        while True:
            try:
                os.kill(args.watch, 0)
            except ProcessLookupError:
                return 0
            try:
                conn, _ = lsock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                spawn(conn, lsock)
    finally:
        with_errors_ignored(os.unlink, args.socket)


def spawn(conn, lsock):
    """One request of the spawner: fork, and run the command in the child."""
    try:
        data, fds, _, _ = socket.recv_fds(conn, 8192, 3)
    except OSError:
        return
    if len(fds) != 3 or not data.endswith(b"\0"):
        for fd in fds:
            os.close(fd)
        return
    argv = [a.decode() for a in data[:-1].split(b"\0")]
    pid = os.fork()
    if not pid:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        conn.close()
        lsock.close()
        for n, fd in enumerate(fds):
            os.dup2(fd, n)
            os.close(fd)
        sys.argv = [sys.argv[0]] + argv
        try:
            code = main()
        except SystemExit as err:
            code = err.code if isinstance(err.code, int) else 1
        except BaseException:   # pylint: disable=broad-except
            code = 1
        sys.stdout.flush()
        os._exit(code or 0)
    for fd in fds:
        os.close(fd)
    with_errors_ignored(conn.sendall, f"{pid}\n".encode())


# ------------------------------------------------------------------ main
def add_parsers(sub):
    """The commands and their options (single-dash, as clonedev-pedserver)."""
    p = sub.add_parser("server", help="serve shares to kernels")
    p.add_argument("-ip", default="0.0.0.0")
    p.add_argument("-port", type=int, default=DEFAULT_PORT)
    p.add_argument("-sharedir", required=True, help="the share files served")
    p.add_argument("-rpv", required=True, action="append",
                   help="M share files of one RPV, comma-separated (repeat: one per "
                   f"partition served, at most {RPV_MAX} RPVs)")
    p.add_argument("-confirm", choices=("auto", "deny"), default="auto",
                   help="deny: refuse every request (status 1)")
    p.add_argument("-idle", type=float, default=DEFAULT_IDLE,
                   help="seconds a connection may take to send a frame")
    p.add_argument("-misbehave", choices=MISBEHAVIOURS,
                   help="test only: break the protocol in this way (a kernel must refuse)")
    p.set_defaults(func=cmd_server)
    p = sub.add_parser("client", help="play the kernel's side of a channel")
    p.add_argument("-ip", default="127.0.0.1")
    p.add_argument("-port", type=int, default=DEFAULT_PORT)
    p.add_argument("-rpv", required=True, help="M share files of the RPV, comma-separated")
    p.add_argument("-serial", type=int, required=True)
    p.add_argument("-label", required=True, help="the partition's label")
    p.add_argument("-request", action="append", help="po, co, cu or domain:LABEL, or "
                   "store:KIND[:LABEL]:M/N to store a new random secret's shares "
                   "(repeat: several on one channel)")
    p.add_argument("-tamper", choices=TAMPERS)
    p.add_argument("-wait", type=float, default=30, help="seconds to wait for the server")
    p.add_argument("-pause", type=float, default=0.2, help="tamper slow: seconds per byte")
    p.add_argument("-slow-bytes", dest="slow_bytes", type=int, default=10,
                   help="tamper slow: bytes sent before waiting")
    p.set_defaults(func=cmd_client)
    p = sub.add_parser("sharefiles", help="write share files of a secret")
    p.add_argument("-dir", required=True)
    p.add_argument("-serial", type=int, required=True)
    p.add_argument("-label", required=True, help="the partition's label")
    p.add_argument("-kind", choices=FILE_KINDS, required=True)
    p.add_argument("-domainlabel")
    p.add_argument("-quorum", required=True, help="M/N")
    p.add_argument("-secret", help="the secret, 64 hex digits (default: random)")
    p.set_defaults(func=cmd_sharefiles)
    p = sub.add_parser("vectors", help="deterministic test vectors")
    p.add_argument("--check", action="store_true", help="compare with the file")
    p.add_argument("--file", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "vectors.json"))
    p.add_argument("--doc", help="with --check: every hex value in this document's test "
                   "vectors is one of the vectors")
    p.add_argument("--doc-block", action="store_true", help="print the document's block")
    p.set_defaults(func=cmd_vectors)
    p = sub.add_parser("spawner", help="test only: start commands by forking this one")
    p.add_argument("-socket", required=True, help="the Unix socket to serve")
    p.add_argument("-watch", type=int, required=True, help="end when this process does")
    p.set_defaults(func=cmd_spawner)


def main():
    """Parse the command line and run a command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args()
    try:
        return args.func(args)
    except (OSError, ValueError, KeyError) as err:
        print(f"pedpeer: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
