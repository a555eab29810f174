#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""clonepeer: a second, independent implementation of the clonedev cloning
protocols (CPv4 with its three suites, CPv3 and CPv1), written from
docs/clone-protocol.md alone, and a reader and writer of archive files
written from docs/archive-format.md alone.

The handshake is SPAKE2 over P-256 (RFC 9382), with the curve arithmetic
in plain Python integers (test code: not constant time).

It plays the source or the target of one clone over a pipe (each message
as a big-endian u32 length then the message, length 0 ends), makes object
files for tests, and computes deterministic test vectors.
"""

import argparse
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
from collections import namedtuple
from contextlib import suppress

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

# Messages
MAGIC = 0x434C4F4E
VERSION = 2
HEADER = struct.Struct(">IBBH16sII")
MAX_MESSAGE = 8192
WINDOW_MAX = 146        # the RESULTs of a window fill at most one flight
TAG = 16
HELLO, CHOICE, CONFIRM, OBJECT, RESULT, DONE, SUMMARY, READY, ERROR = 1, 2, 3, 4, 5, 6, 7, 8, 15
HELLO_FIXED = struct.Struct(">QBBBB")           # then 32 d (labels), u16 slot, u16 window, Ns
CHOICE_FIXED = struct.Struct(">QBBB32sBBHH32s")  # then public key, pB
LABEL_LEN = 32                                  # a domain label, NUL-padded
SHARE_LEN = 65                                  # a SPAKE2 share, 0x04 || X || Y
RESULT_FIXED = struct.Struct(">B3sI")           # then CPv3 public key

# ERROR codes
UNEXPECTED, DOMAIN_MISMATCH, FIPS, NO_PROTOCOL, AUTH, POLICY, ROLE, INTERNAL, ABORTED = range(1, 10)
ERROR_NAMES = {1: "unexpected", 2: "domain-mismatch", 3: "fips", 4: "no-protocol", 5: "auth",
               6: "policy", 7: "role", 8: "internal", 9: "aborted"}

# Protocols and CPv4 suites
CPV1, CPV3, CPV4 = 1, 2, 4
PROTOCOLS = {"cpv1": CPV1, "cpv3": CPV3, "cpv4": CPV4}
PROTOCOL_NAMES = {bit: name for name, bit in PROTOCOLS.items()}

# A CPv4 cipher suite: its name, bit, key exchange, hash and AEAD
Suite = namedtuple("Suite", "name bit kex hash aead")
SUITES = [Suite("p384-aes256gcm", 1, "p384", hashes.SHA384, AESGCM),
          Suite("p256-aes256gcm", 2, "p256", hashes.SHA256, AESGCM),
          Suite("x25519-chacha20poly1305", 4, "x25519", hashes.SHA256, ChaCha20Poly1305)]
SUITE_BY_BIT = {s.bit: s for s in SUITES}
SUITE_BITS = {s.name: s.bit for s in SUITES}
X25519_BIT = 4
PUBLIC_LEN = {"p256": 65, "p384": 97, "x25519": 32}
CURVES = {"p256": ec.SECP256R1, "p384": ec.SECP384R1}

# Objects
RECORD = struct.Struct(">IIIIII16s3sB32s64s")   # then the value
RECORD_MIN_SLOT, RECORD_MAX_SLOT = 2 + RECORD.size, MAX_MESSAGE - HEADER.size - TAG
MAX_ID, MAX_VALUE, MAX_LABEL = 64, 4096, 32
DATA, SECRET, PRIVATE, PUBLIC = 1, 2, 3, 4
NONE, AES, GENERIC, EC_P256, EC_P384, RSA = 0, 1, 2, 3, 4, 5
CLASS_NAMES = ["?", "data", "secret", "private", "public"]
KEY_TYPE_NAMES = ["none", "aes", "generic", "ec-p256", "ec-p384", "rsa"]
PAIRS = {DATA: {NONE}, SECRET: {AES, GENERIC}, PRIVATE: {EC_P256, EC_P384, RSA},
         PUBLIC: {EC_P256, EC_P384, RSA}}
# EC key types: kex, scalar size, group order n
EC_KEYS = {EC_P256: ("p256", 32, int("FFFFFFFF00000000FFFFFFFFFFFFFFFF"
                                     "BCE6FAADA7179E84F3B9CAC2FC632551", 16)),
           EC_P384: ("p384", 48, int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                                     "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16))}
BYTE_FIELDS = ("id", "ouid", "kcv", "value")
# Test-only object fields: "record", hex of a record sent as it is, and
# "wire_status", a status other than 0 sent instead of the record.
FLAGS_PRIVATE_SENSITIVE = 3

# Statuses of OBJECT (0 = a record follows) and RESULT
COPIED, SKIPPED, REFUSED, TOO_LARGE, FAILED = range(5)
COUNT_OF = {COPIED: "copied", SKIPPED: "skipped", REFUSED: "refused", TOO_LARGE: "failed",
            FAILED: "failed"}


class CloneError(Exception):
    """The end of a clone with an ERROR code; remote if the peer sent it."""

    def __init__(self, code, remote=False):
        super().__init__(f"{code} {error_name(code)}")
        self.code = code
        self.remote = remote


def error_name(code):
    """The name of an ERROR code."""
    return ERROR_NAMES.get(code, "unknown")


# ---------------------------------------------------------------- crypto
u32 = struct.Struct(">I").pack     # big-endian u32(x)
u64 = struct.Struct(">Q").pack     # big-endian u64(x)


def sha256(data):
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def hkdf(ikm, salt, info, length, algo=hashes.SHA256):
    """HKDF (RFC 5869), extract and expand."""
    return HKDF(algo(), length, salt, info).derive(ikm)


def hkdf_extract(salt, ikm, algo):
    """HKDF-Extract: the PRK."""
    return hmac.new(salt, ikm, algo.name).digest()


def hkdf_expand(prk, info, length, algo=hashes.SHA256):
    """HKDF-Expand from a PRK."""
    return HKDFExpand(algo(), length, info).derive(prk)


# P-256 (FIPS 186-4) in affine coordinates; None is the point at infinity.
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
          0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
# SPAKE2's M and N for P-256 (RFC 9382, section 6)
SPAKE_M = (0x886E2F97ACE46E55BA9DD7242579F2993B64E16EF3DCAB95AFD497333D8FA12F,
           0x5FF355163E43CE224E0B0E65FF02AC8E5C7BE09419C785E0CA547D55A12E2D20)
SPAKE_N = (0xD8BBD6C639C62937B04D997F38C3770719C629D7014D49A24B4F98BAA1292B49,
           0x07D60AA6BFADE45008A636337F5168C64D9BD36034808CD564490B1E656EDBE7)


def on_curve(pt):
    """Whether an affine point is on P-256 (y^2 = x^3 - 3x + b)."""
    x, y = pt
    return 0 <= x < P256_P and 0 <= y < P256_P and \
        (y * y - (x * x * x - 3 * x + P256_B)) % P256_P == 0


def ec_add(a, b):
    """The sum of two points."""
    if a is None:
        return b
    if b is None:
        return a
    p = P256_P
    if a[0] == b[0]:
        if (a[1] + b[1]) % p == 0:
            return None
        lam = (3 * a[0] * a[0] - 3) * pow(2 * a[1], -1, p) % p
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p
    x = (lam * lam - a[0] - b[0]) % p
    return x, (lam * (a[0] - x) - a[1]) % p


def jac_double(q):
    """2q, q in Jacobian coordinates (X, Y, Z), None the point at infinity."""
    p = P256_P
    if q is None or not q[1]:
        return None
    x, y, z = q
    delta, gamma = z * z % p, y * y % p
    beta = x * gamma % p
    alpha = 3 * (x - delta) * (x + delta) % p
    x3 = (alpha * alpha - 8 * beta) % p
    z3 = ((y + z) * (y + z) - gamma - delta) % p
    return x3, (alpha * (4 * beta - x3) - 8 * gamma * gamma) % p, z3


def jac_add_affine(q, pt):
    """q + pt, q Jacobian, pt affine."""
    p = P256_P
    if q is None:
        return pt[0], pt[1], 1
    x1, y1, z1 = q
    zz = z1 * z1 % p
    h = (pt[0] * zz - x1) % p
    r = (pt[1] * z1 * zz - y1) % p
    if not h:
        return jac_double(q) if not r else None
    hh = h * h % p
    hhh, v = h * hh % p, x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    return x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p


def ec_mul(k, pt):
    """k * pt, by double and add in Jacobian coordinates, one inversion at
    the end (test code: not constant time)."""
    q = None
    for bit in bin(k % P256_N)[2:]:
        q = jac_double(q)
        if bit == "1":
            q = jac_add_affine(q, pt)
    if q is None:
        return None
    zi = pow(q[2], -1, P256_P)
    zi2 = zi * zi % P256_P
    return q[0] * zi2 % P256_P, q[1] * zi2 * zi % P256_P


def point_bytes(pt):
    """0x04 || X || Y."""
    return b"\x04" + pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big")


def spake_w(domain):
    """SPAKE2's w of a domain secret: 48 bytes of HKDF reduced mod n."""
    okm = hkdf(domain, bytes(32), b"clonedev 2 spake2 w", 48)
    w = int.from_bytes(okm, "big") % P256_N
    if not w:
        raise CloneError(INTERNAL)   # never met: probability 2^-256
    return w


def base_mul(k):
    """k * G, by the cryptography library's P-256 (k mod n not 0)."""
    pub = ec.derive_private_key(k % P256_N, ec.SECP256R1()).public_key().public_numbers()
    return pub.x, pub.y


def spake_share(w, scalar, source):
    """A side's share: x*G + w*M (source) or y*G + w*N (target)."""
    return point_bytes(ec_add(base_mul(scalar), ec_mul(w, SPAKE_M if source else SPAKE_N)))


def spake_k(w, scalar, peer, source):
    """The X coordinate of K = scalar * (peer - w*C), C the peer's constant
    (N at the source, M at the target); auth for a share that is not a
    point of the curve, is +-C, or gives the point at infinity."""
    const = SPAKE_N if source else SPAKE_M
    if len(peer) != SHARE_LEN or peer[0] != 4:
        raise CloneError(AUTH)
    pt = (int.from_bytes(peer[1:33], "big"), int.from_bytes(peer[33:], "big"))
    if not on_curve(pt) or pt[0] == const[0]:
        raise CloneError(AUTH)
    q = ec_add(pt, ec_mul(P256_N - w, const))
    if q is None or not scalar % P256_N:
        raise CloneError(AUTH)
    # scalar * q (not infinity: n is prime) by the library's ECDH: its X.
    key = ec.derive_private_key(scalar % P256_N, ec.SECP256R1())
    return key.exchange(ec.ECDH(), ec.EllipticCurvePublicNumbers(
        q[0], q[1], ec.SECP256R1()).public_key())


def label_bytes(label):
    """A domain label as the wire carries it: 32 bytes, NUL-padded."""
    return label.ljust(LABEL_LEN, b"\0")


def handshake_keys(w, kx, ns, nt, h):
    """K_hs, the session id and K_c (64 bytes) of a clone, from w, K's X
    coordinate, the nonces and the transcript hash h."""
    k_hs = hkdf(w.to_bytes(32, "big") + kx, ns + nt, b"clonedev 2 handshake" + h, 32)
    return k_hs, sha256(ns + nt)[:16], hkdf_expand(k_hs, b"clonedev 2 control", 64)


def cpv4_keys(prk, suite, epoch):
    """CPv4 (K_st(e), K_ts(e))."""
    return (hkdf_expand(prk, b"clonedev 2 cpv4 s2t" + u32(epoch), 32, suite.hash),
            hkdf_expand(prk, b"clonedev 2 cpv4 t2s" + u32(epoch), 32, suite.hash))


def cpv3_keys(z, k_hs, i):
    """CPv3 K_i (64 bytes)."""
    return hkdf(z, k_hs, b"clonedev 2 cpv3" + u32(i), 64)


def cpv1_keys(k_hs, ns, nt):
    """CPv1 K_1 (64 bytes), from K_hs."""
    return hkdf(k_hs, ns + nt, b"clonedev 2 cpv1", 64)


def new_ephemeral(kex, secret=None):
    """An ephemeral private key for kex: fresh, or from a fixed secret."""
    if kex == "x25519":
        if secret is None:
            return x25519.X25519PrivateKey.generate()
        return x25519.X25519PrivateKey.from_private_bytes(secret)
    if secret is None:
        return ec.generate_private_key(CURVES[kex]())
    return ec.derive_private_key(int.from_bytes(secret, "big"), CURVES[kex]())


def public_bytes(key):
    """The wire form of a private key's public key."""
    if isinstance(key, x25519.X25519PrivateKey):
        return key.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def agree(key, peer):
    """The ECDH shared secret Z with a peer's public key (unexpected if malformed)."""
    try:
        if isinstance(key, x25519.X25519PrivateKey):
            try:
                z = key.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
            except ValueError:
                z = bytes(32)   # the library refuses an all-zero result
            if not any(z):
                raise CloneError(AUTH)   # a low-order share: Z is all zeros
            return z
        if peer[:1] != b"\x04":
            raise ValueError("not an uncompressed point")
        point = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, peer)
        return key.exchange(ec.ECDH(), point)
    except ValueError as err:
        raise CloneError(UNEXPECTED) from err


class Entropy:
    """Where a side's nonce and ephemeral keys come from: the OS, or, in
    vector mode, a fixed nonce and fixed secrets taken in order per kex."""

    def __init__(self, nonce=None, secrets=None):
        self.fixed_nonce = nonce
        self.secrets = secrets

    def nonce(self):
        """The side's 32-byte nonce (Ns or Nt)."""
        return self.fixed_nonce if self.fixed_nonce is not None else os.urandom(32)

    def ephemeral(self, kex):
        """A new ephemeral private key."""
        return new_ephemeral(kex, None if self.secrets is None else self.secrets[kex].pop(0))

    def spake_scalar(self):
        """SPAKE2's x or y: 1 <= x < n."""
        if self.secrets is not None:
            return int.from_bytes(self.secrets["spake"].pop(0), "big")
        return 1 + int.from_bytes(os.urandom(48), "big") % (P256_N - 1)


# -------------------------------------------------------------- messages
def header(mtype, sid, seq, body_len):
    """A 32-byte message header."""
    return HEADER.pack(MAGIC, VERSION, mtype, 0, sid, seq, body_len)


def seal(aead, key, nonce, mtype, sid, seq, plaintext, prefix=b""):
    """A message whose body is prefix then the sealed plaintext (AD = header)."""
    hdr = header(mtype, sid, seq, len(prefix) + len(plaintext) + TAG)
    return hdr + prefix + aead(key).encrypt(nonce, plaintext, hdr)


def unseal(aead, key, nonce, msg, prefix_len=0):
    """The plaintext of a sealed message (auth if the tag fails)."""
    try:
        return aead(key).decrypt(nonce, msg[HEADER.size + prefix_len:], msg[:HEADER.size])
    except InvalidTag as err:
        raise CloneError(AUTH) from err


def offers(protocols, suites, fips):
    """A side's protocols and suites bytes from its settings and FIPS mode."""
    if fips:
        protocols &= ~CPV1
        suites &= ~X25519_BIT
    if not suites:
        protocols &= ~CPV4
    if not protocols & CPV4:
        suites = 0
    return protocols, suites


def choose(s_fips, s_protocols, s_suites, t_fips, t_protocols, t_suites):
    """Rules 2-4 of the choice: (protocol bit, suite bit)."""
    if s_fips and not t_fips:
        raise CloneError(FIPS)
    suites = s_suites & t_suites & 7
    common = s_protocols & t_protocols & 7
    if not suites:
        common &= ~CPV4
    if not common:
        raise CloneError(NO_PROTOCOL)
    protocol = 1 << (common.bit_length() - 1)
    return protocol, (suites & -suites if protocol == CPV4 else 0)


def choice_kex(protocol, suite):
    """The kex whose public key CHOICE carries (None for CPv1); unexpected if
    the chosen protocol and suite bytes are not well-formed."""
    if protocol == CPV4 and suite in SUITE_BY_BIT:
        return SUITE_BY_BIT[suite].kex
    if protocol in (CPV3, CPV1) and suite == 0:
        return "p256" if protocol == CPV3 else None
    raise CloneError(UNEXPECTED)


# --------------------------------------------------------------- records
def rsa_public_check(value):
    """(KCV, bits) of an RSA public key: the PKCS#1 RSAPublicKey DER,
    canonical, a modulus of 2048 to 4096 bits, an odd exponent above 1."""
    try:
        key = serialization.load_der_public_key(value)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        raise ValueError("bad RSA public key") from err
    if not isinstance(key, rsa.RSAPublicKey) or key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1) != value:
        raise ValueError("not an RSAPublicKey")
    n, e = key.public_numbers().n, key.public_numbers().e
    if not 2048 <= n.bit_length() <= 4096 or e < 3 or e % 2 == 0:
        raise ValueError("RSA public key out of range")
    return sha256(n.to_bytes((n.bit_length() + 7) // 8, "big"))[:3], n.bit_length()


def key_check(key_type, value, public=False):
    """(KCV, bits) of a key's value; ValueError if the value is no such key."""
    if key_type == AES:
        if len(value) not in (16, 24, 32):
            raise ValueError("bad AES key length")
        enc = Cipher(algorithms.AES(value), modes.ECB()).encryptor()
        return (enc.update(bytes(16)) + enc.finalize())[:3], 8 * len(value)
    if key_type == GENERIC:
        return sha256(value)[:3], 8 * len(value)
    if key_type in EC_KEYS:
        kex, size, order = EC_KEYS[key_type]
        if public:
            if len(value) != 2 * size + 1 or value[0] != 4:
                raise ValueError("bad EC point")
            # Raises ValueError for a point not on the curve (or zero).
            ec.EllipticCurvePublicKey.from_encoded_point(CURVES[kex](), value)
            return sha256(value)[:3], 8 * size
        scalar = int.from_bytes(value, "big")
        if len(value) != size or not 0 < scalar < order:
            raise ValueError("bad EC scalar")
        return sha256(public_bytes(new_ephemeral(kex, value)))[:3], 8 * size
    if key_type == RSA and public:
        return rsa_public_check(value)
    if key_type == RSA:
        try:
            key = serialization.load_der_private_key(value, None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as err:
            raise ValueError("bad RSA key") from err
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("not an RSA key")
        n = key.private_numbers().public_numbers.n
        return sha256(n.to_bytes((n.bit_length() + 7) // 8, "big"))[:3], key.key_size
    raise ValueError("no key type")


def encode_record(obj):
    """The wire record of an object; ValueError if a field is out of range.
    An object with "record" (bytes) is a test's: that record goes as it is."""
    if obj.get("record") is not None:
        return obj["record"]
    label = obj["label"].encode("utf-8", "surrogateescape")
    if (len(label) > MAX_LABEL or len(obj["id"]) > MAX_ID or len(obj["value"]) > MAX_VALUE
            or len(obj["ouid"]) != 16 or len(obj["kcv"]) != 3):
        raise ValueError(f"object {obj['label']!r}: a field is out of range")
    return RECORD.pack(obj["class"], obj["key_type"], obj["bits"], obj["flags"],
                       len(obj["id"]), len(obj["value"]), obj["ouid"], obj["kcv"], 0, label,
                       obj["id"]) + obj["value"]


def decode_record(data):
    """Parse and validate a record and the zero bytes after it; ValueError if invalid."""
    if len(data) < RECORD.size:
        raise ValueError("short record")
    (cls, key_type, bits, flags, id_len, value_len, ouid, kcv, zero, label,
     ident) = RECORD.unpack_from(data)
    end = RECORD.size + value_len
    if zero or id_len > MAX_ID or value_len > MAX_VALUE or len(data) < end:
        raise ValueError("bad lengths")
    if key_type not in PAIRS.get(cls, ()):
        raise ValueError("class and key type do not match")
    text, _, pad = label.partition(b"\0")
    if any(pad) or any(ident[id_len:]) or any(data[end:]):
        raise ValueError("nonzero padding")
    if text and not all(0x20 <= c < 0x7F for c in text):
        raise ValueError("a label that is not printable ASCII")
    value = data[RECORD.size:end]
    if cls == DATA:
        want = (bytes(3), 8 * value_len)
    else:
        want = key_check(key_type, value, cls == PUBLIC)
    if want != (kcv, bits):
        raise ValueError("KCV or bits differ")
    return {"class": cls, "key_type": key_type, "bits": bits, "flags": flags,
            "label": text.decode("utf-8", "surrogateescape"), "id": ident[:id_len],
            "ouid": ouid, "kcv": kcv, "value": value}


def object_to_json(obj):
    """An object in its JSON form (names, hex)."""
    out = dict(obj)
    out["class"] = CLASS_NAMES[obj["class"]]
    out["key_type"] = KEY_TYPE_NAMES[obj["key_type"]]
    for field in BYTE_FIELDS:
        out[field] = obj[field].hex()
    if out.get("record") is not None:
        out["record"] = obj["record"].hex()
    return out


def object_from_json(j):
    """An object from its JSON form; ValueError if it cannot be sent."""
    obj = dict(j)
    obj["class"] = CLASS_NAMES.index(j["class"])
    obj["key_type"] = KEY_TYPE_NAMES.index(j["key_type"])
    for field in BYTE_FIELDS:
        obj[field] = bytes.fromhex(j[field])
    if "record" in j:
        obj["record"] = bytes.fromhex(j["record"])
    encode_record(obj)
    return obj


def load_objects(path):
    """The objects of an objects or store file."""
    with open(path, encoding="utf-8") as f:
        return [object_from_json(j) for j in json.load(f)["objects"]]


def write_json(path, doc):
    """Write a JSON document."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------- sides
# A side's settings: its domains (primary first) as (label, secret), the
# label 32 NUL-padded bytes, protocols and suites bits, FIPS mode,
# partition serial and CPv1 slot size
Config = namedtuple("Config", "domains protocols suites fips serial slot zero_share window",
                    defaults=(False, WINDOW_MAX))


def split_flight(flight):
    """The messages of a flight, each as long as its header says; a header
    cut short, or one that says more than is left, takes the rest (and
    fails the header check)."""
    out, off = [], 0
    while off < len(flight):
        n = len(flight) - off
        if n >= HEADER.size:
            blen = struct.unpack_from(">I", flight, off + 28)[0]
            n = min(n, HEADER.size + blen)
        out.append(flight[off:off + n])
        off += n
    return out


class Side:
    """What both sides share: offers, keys, the header check, the outcome.
    The current state is the handler self.expect of the next message."""

    def __init__(self, config, entropy):
        self.config = config
        self.entropy = entropy
        self.protocols, self.suites = offers(config.protocols, config.suites, config.fips)
        self.sid = bytes(16)
        self.wait_seq = 0
        self.state, self.error = "running", None
        self.protocol, self.suite = None, None
        self.counts = {"copied": 0, "skipped": 0, "refused": 0, "failed": 0}
        self.entries = []   # per object: the report's results (source) or objects (target)
        self.expect = None
        self.log = []       # every message taken and made, in order (hex)

    def step(self, msg):
        """Take the peer's message; return the message for the peer, or None."""
        self.log.append(bytes(msg).hex())
        try:
            out = self.expect(msg)
        except CloneError as err:
            self.state, self.error = "failed", err.code
            if err.remote:
                return None
            body = u32(err.code) + error_name(err.code).encode()
            out = header(ERROR, self.sid, self.wait_seq, len(body)) + body
        if out is not None:
            self.log.append(out.hex())
        return out

    def abort(self, code=ABORTED):
        """End the clone without a message (the exchange ended)."""
        self.state, self.error = "failed", code

    def check(self, msg, types, seq, body_len=None, wrong_len=UNEXPECTED):
        """Check a received message's header and return its type; an ERROR
        from the peer ends the clone with its code. A body not @body_len
        long ends it with @wrong_len (AUTH for a sealed message)."""
        self.wait_seq = seq
        if not HEADER.size <= len(msg) <= MAX_MESSAGE:
            raise CloneError(UNEXPECTED)
        magic, version, mtype, reserved, sid, mseq, blen = HEADER.unpack_from(msg)
        if magic != MAGIC or version != VERSION or blen != len(msg) - HEADER.size:
            raise CloneError(UNEXPECTED)
        if mtype == ERROR and blen >= 4:
            raise CloneError(struct.unpack_from(">I", msg, HEADER.size)[0], remote=True)
        if mtype not in types or reserved or sid != self.sid or mseq != seq:
            raise CloneError(UNEXPECTED)
        if body_len is not None and blen != body_len:
            raise CloneError(wrong_len)
        return mtype

    def derive(self, peer_share, ns, nt, h):
        """K from the peer's SPAKE2 share, then the keys every protocol has;
        h is SHA-256(HELLO || CHOICE || pA)."""
        kx = spake_k(self.w, self.scalar, peer_share, self.ROLE == "source")
        self.k_hs, _, k_c = handshake_keys(self.w, kx, ns, nt, h)
        self.kc_st, self.kc_ts = k_c[:32], k_c[32:]
        self.k1 = cpv1_keys(self.k_hs, ns, nt)

    def transcript_mac(self, label, transcript):
        """MAC_S ("source") of a transcript."""
        return hmac.new(self.k_hs, label + sha256(transcript), "sha256").digest()

    def object_keys(self, i, z=None):
        """(AEAD, key of OBJECT i, key of RESULT i, nonce prefix); z is CPv3's Z_i."""
        if self.protocol == CPV4:
            return (self.suite.aead, *cpv4_keys(self.prk, self.suite, i // 1000), u32(i // 1000))
        if self.protocol == CPV3:
            k = cpv3_keys(z, self.k_hs, i)
            return AESGCM, k[:32], k[32:], u32(0)
        return AESGCM, self.k1[:32], self.k1[32:], u32(1)

    def seal_control(self, mtype, seq, plaintext, key):
        """READY, DONE or SUMMARY."""
        return seal(AESGCM, key, u32(2) + u64(seq), mtype, self.sid, seq, plaintext)

    def report(self):
        """The JSON report: the outcome and an entry per object."""
        return {"role": self.ROLE, "protocol": PROTOCOL_NAMES.get(self.protocol),
                "suite": self.suite.name if self.suite else None,
                "error": self.error, "error_name": error_name(self.error) if self.error else None,
                "counts": self.counts, self.ENTRIES: self.entries, "messages": self.log}


class Source(Side):
    """The source of one clone: start() gives HELLO, step() the rest."""
    ROLE, ENTRIES = "source", "results"

    def __init__(self, objects, config, entropy):
        super().__init__(config, entropy)
        self.objects = objects

    def start(self):
        """HELLO."""
        self.ns = self.entropy.nonce()
        c = self.config
        body = (HELLO_FIXED.pack(c.serial, int(c.fips), self.protocols, self.suites,
                                 len(c.domains))
                + b"".join(label for label, _ in c.domains) + struct.pack(">HH", c.slot, c.window)
                + self.ns)
        self.hello = header(HELLO, self.sid, 0, len(body)) + body
        self.expect = self.on_choice
        self.log.append(self.hello.hex())
        return self.hello

    def on_choice(self, msg):
        """Check CHOICE (the domain, then the choice), make K and answer
        CONFIRM: pA, CPv4's key and MAC_S."""
        self.check(msg, (CHOICE,), 0)
        body = msg[HEADER.size:]
        if len(body) < CHOICE_FIXED.size + SHARE_LEN:
            raise CloneError(UNEXPECTED)
        (_, t_fips, t_protocols, t_suites, label, protocol, suite, slot, window,
         nt) = CHOICE_FIXED.unpack_from(body)
        kex = choice_kex(protocol, suite)
        k = PUBLIC_LEN[kex] if kex else 0
        if len(body) != CHOICE_FIXED.size + k + SHARE_LEN:
            raise CloneError(UNEXPECTED)
        domain = next((d for lbl, d in self.config.domains if lbl == label), None)
        if domain is None:
            raise CloneError(DOMAIN_MISMATCH)
        if choose(self.config.fips, self.protocols, self.suites,
                  t_fips, t_protocols, t_suites) != (protocol, suite):
            raise CloneError(UNEXPECTED)
        if protocol == CPV1 and not RECORD_MIN_SLOT <= slot <= RECORD_MAX_SLOT:
            raise CloneError(UNEXPECTED)
        if not (1 <= window <= self.config.window if protocol == CPV4 else window == 1):
            raise CloneError(UNEXPECTED)
        self.window = window
        self.protocol, self.suite, self.peer_slot = protocol, SUITE_BY_BIT.get(suite), slot
        self.w, self.scalar = spake_w(domain), self.entropy.spake_scalar()
        pa = spake_share(self.w, self.scalar, True)
        self.derive(body[-SHARE_LEN:], self.ns, nt, sha256(self.hello + msg + pa))
        self.sid = sha256(self.ns + nt)[:16]
        peer_key = body[CHOICE_FIXED.size:CHOICE_FIXED.size + k]
        prefix = pa
        if protocol == CPV4:
            key = self.entropy.ephemeral(kex)
            pub = public_bytes(key)
            if self.config.zero_share and kex == "x25519":
                # Test only: u = 0, so Z is all zeros if the peer takes it.
                pub, z = bytes(32), bytes(32)
            else:
                z = agree(key, peer_key)
            prefix += pub
            self.prk = hkdf_extract(self.k_hs, z, self.suite.hash)
        self.peer_key = peer_key
        partial = header(CONFIRM, self.sid, 1, len(prefix) + 32) + prefix
        self.expect = self.on_ready
        return partial + self.transcript_mac(b"source", self.hello + msg + partial)

    def on_ready(self, msg):
        """Open READY; send the first flight of OBJECTs (or DONE)."""
        self.check(msg, (READY,), 1, TAG, AUTH)
        unseal(AESGCM, self.kc_ts, u32(2) + u64(1), msg)
        return self.next_flight()

    def next_flight(self):
        """OBJECTs for as many objects as the window allows and one flight
        holds, or DONE after the last."""
        i = len(self.entries)
        if i == len(self.objects):
            self.expect = self.on_summary
            return self.seal_control(DONE, i + 2, u32(i), self.kc_st)
        flight, self.pending = b"", []
        while i < len(self.objects) and len(self.pending) < self.window:
            msg, pending = self.object_message(i)
            if len(flight) + len(msg) > MAX_MESSAGE:
                break
            flight += msg
            self.pending.append(pending)
            i += 1
        self.expect = self.on_result
        return flight

    def object_message(self, i):
        """OBJECT i, and what its RESULT is opened with."""
        seq = i + 2
        status = self.objects[i].get("wire_status", 0)
        plaintext = bytes([status, 0]) if status else bytes(2) + encode_record(self.objects[i])
        if self.protocol == CPV1:
            if not status and len(plaintext) > self.peer_slot:
                status, plaintext = TOO_LARGE, bytes([TOO_LARGE, 0])
            plaintext = plaintext.ljust(self.peer_slot, b"\0")
        prefix, z = b"", None
        if self.protocol == CPV3:
            key = self.entropy.ephemeral("p256")
            prefix, z = public_bytes(key), agree(key, self.peer_key)
        aead, k_obj, k_res, nonce = self.object_keys(i, z)
        msg = seal(aead, k_obj, nonce + u64(seq), OBJECT, self.sid, seq, plaintext, prefix)
        return msg, (aead, k_res, nonce, status)

    def on_result(self, flight):
        """Open the RESULTs of the last flight, all before any counts;
        tally them, send what comes next."""
        first = len(self.entries)
        extra = PUBLIC_LEN["p256"] if self.protocol == CPV3 else 0
        msgs = split_flight(flight)
        results = []
        for j, (aead, k_res, nonce, sent) in enumerate(self.pending):
            i = first + j
            # A RESULT left out: the next header is not the expected one.
            msg = msgs[j] if j < len(msgs) else b""
            self.check(msg, (RESULT,), i + 2, RESULT_FIXED.size + extra + TAG, AUTH)
            plaintext = unseal(aead, k_res, nonce + u64(i + 2), msg)
            status, zero, handle = RESULT_FIXED.unpack_from(plaintext)
            # The target answers 2, 3 and 4 in kind and any other status with 4.
            allowed = ({sent if sent in (REFUSED, TOO_LARGE, FAILED) else FAILED} if sent
                       else {COPIED, SKIPPED, REFUSED, FAILED})
            if any(zero) or status not in allowed or \
                    (handle != 0) != (status in (COPIED, SKIPPED)):
                raise CloneError(UNEXPECTED)
            results.append((status, handle, plaintext[RESULT_FIXED.size:]))
        if len(msgs) != len(self.pending):
            raise CloneError(UNEXPECTED)
        for j, (status, handle, peer_key) in enumerate(results):
            self.peer_key = peer_key
            self.counts[COUNT_OF[status]] += 1
            obj = self.objects[first + j]
            self.entries.append({"label": obj["label"], "ouid": obj["ouid"].hex(),
                                 "status": status, "handle": handle})
        return self.next_flight()

    def on_summary(self, msg):
        """Open SUMMARY and compare it with the tally: the clone is done."""
        seq = len(self.objects) + 2
        self.check(msg, (SUMMARY,), seq, 16 + TAG, AUTH)
        counts = struct.unpack(">IIII", unseal(AESGCM, self.kc_ts, u32(2) + u64(seq), msg))
        if counts != tuple(self.counts.values()):
            raise CloneError(UNEXPECTED)
        self.state = "done"


class Target(Side):
    """The target of one clone, storing into a list of held objects."""
    ROLE, ENTRIES = "target", "objects"

    def __init__(self, store, config, entropy):
        super().__init__(config, entropy)
        self.store = store
        self.by_ouid = {obj["ouid"]: obj for obj in store}
        self.next_handle = max((obj["handle"] for obj in store), default=0) + 1
        self.expect = self.on_hello

    def on_hello(self, msg):
        """Make the choice from HELLO and answer CHOICE (with pB, no MAC)."""
        self.check(msg, (HELLO,), 0)
        body = msg[HEADER.size:]
        if len(body) < HELLO_FIXED.size:
            raise CloneError(UNEXPECTED)
        _, s_fips, s_protocols, s_suites, count = HELLO_FIXED.unpack_from(body)
        if not 1 <= count <= 3 or len(body) != HELLO_FIXED.size + LABEL_LEN * count + 36:
            raise CloneError(UNEXPECTED)
        s_window = struct.unpack_from(">H", body, len(body) - 34)[0]
        if not 1 <= s_window <= WINDOW_MAX:
            raise CloneError(UNEXPECTED)
        held = dict(self.config.domains)
        labels = [body[12 + LABEL_LEN * j:12 + LABEL_LEN * (j + 1)] for j in range(count)]
        label = next((lbl for lbl in labels if lbl in held), None)
        if label is None:
            raise CloneError(DOMAIN_MISMATCH)
        protocol, suite = choose(s_fips, s_protocols, s_suites,
                                 self.config.fips, self.protocols, self.suites)
        self.ns = body[-32:]
        self.nt = self.entropy.nonce()
        self.protocol, self.suite = protocol, SUITE_BY_BIT.get(suite)
        self.window = min(s_window, self.config.window) if protocol == CPV4 else 1
        kex = choice_kex(protocol, suite)
        self.key = self.entropy.ephemeral(kex) if kex else None
        self.w, self.scalar = spake_w(held[label]), self.entropy.spake_scalar()
        c = self.config
        body = CHOICE_FIXED.pack(c.serial, int(c.fips), self.protocols, self.suites, label,
                                 protocol, suite, c.slot, self.window, self.nt)
        if kex == "x25519" and self.config.zero_share:
            body += bytes(32)   # test only: u = 0, Z all zeros if taken
        else:
            body += public_bytes(self.key) if kex else b""
        body += spake_share(self.w, self.scalar, False)
        choice = header(CHOICE, self.sid, 0, len(body)) + body
        self.transcript = msg + choice
        self.sid = sha256(self.ns + self.nt)[:16]
        self.expect = self.on_confirm
        return choice

    def on_confirm(self, msg):
        """Make K from pA, check MAC_S of CONFIRM, key CPv4, answer READY."""
        k = PUBLIC_LEN[self.suite.kex] if self.protocol == CPV4 else 0
        self.check(msg, (CONFIRM,), 1, SHARE_LEN + k + 32)
        pa = msg[HEADER.size:HEADER.size + SHARE_LEN]
        self.derive(pa, self.ns, self.nt, sha256(self.transcript + pa))
        if not hmac.compare_digest(self.transcript_mac(b"source", self.transcript + msg[:-32]),
                                   msg[-32:]):
            raise CloneError(AUTH)
        peer_key = msg[HEADER.size + SHARE_LEN:HEADER.size + SHARE_LEN + k]
        if self.protocol == CPV4 and self.config.zero_share and self.suite.kex == "x25519":
            z = bytes(32)
            self.prk = hkdf_extract(self.k_hs, z, self.suite.hash)
        elif self.protocol == CPV4:
            z = agree(self.key, peer_key)
            self.prk = hkdf_extract(self.k_hs, z, self.suite.hash)
        self.expect = self.on_object
        return self.seal_control(READY, 1, b"", self.kc_ts)

    def on_object(self, flight):
        """Take a flight of OBJECTs (at most the window) and answer their
        RESULTs, or DONE and answer SUMMARY. Every message of the flight
        is opened before any object is stored, so a flight with one that
        fails stores nothing; then all are stored (the kernel: in one
        commit) before the RESULTs leave."""
        first = len(self.entries)
        msgs = split_flight(flight)
        if self.check(msgs[0], (OBJECT, DONE), first + 2) == DONE:
            if len(msgs) != 1:
                raise CloneError(UNEXPECTED)            # nothing after DONE
            return self.on_done(msgs[0], first)
        opened = []
        for j, msg in enumerate(msgs):
            i, seq = first + j, first + j + 2
            if j == self.window:
                raise CloneError(UNEXPECTED)
            self.check(msg, (OBJECT,), seq)
            prefix = PUBLIC_LEN["p256"] if self.protocol == CPV3 else 0
            body_len = len(msg) - HEADER.size
            # The lengths the kernel refuses, and how ("OBJECT body").
            if body_len < prefix + 2 + TAG:
                raise CloneError(AUTH if self.protocol == CPV3 else UNEXPECTED)
            if self.protocol == CPV1 and body_len != self.config.slot + TAG:
                raise CloneError(AUTH)
            z = agree(self.key, msg[HEADER.size:HEADER.size + prefix]) if prefix else None
            aead, k_obj, k_res, nonce = self.object_keys(i, z)
            opened.append((unseal(aead, k_obj, nonce + u64(seq), msg, prefix),
                           aead, k_res, nonce))
        out = b""
        for j, (plaintext, aead, k_res, nonce) in enumerate(opened):
            seq = first + j + 2
            status, handle, obj = self.take(plaintext)
            self.counts[COUNT_OF[status]] += 1
            entry = object_to_json(obj) if obj else {}
            self.entries.append({**entry, "status": status, "handle": handle})
            extra = b""
            if self.protocol == CPV3:
                self.key = self.entropy.ephemeral("p256")
                extra = public_bytes(self.key)
            out += seal(aead, k_res, nonce + u64(seq), RESULT, self.sid, seq,
                        RESULT_FIXED.pack(status, bytes(3), handle) + extra)
        return out

    def take(self, plaintext):
        """Validate and store an OBJECT plaintext: (status, handle, object or None)."""
        status = plaintext[0]
        if status:
            valid = status in (REFUSED, TOO_LARGE, FAILED) and not any(plaintext[1:])
            return (status if valid else FAILED), 0, None
        try:
            if plaintext[1]:
                raise ValueError("nonzero byte after the status")
            obj = decode_record(plaintext[2:])
        except ValueError:
            return FAILED, 0, None
        if obj["class"] in (SECRET, PRIVATE):
            obj["flags"] |= FLAGS_PRIVATE_SENSITIVE
        held = self.by_ouid.get(obj["ouid"])
        if held and any(held[k] != obj[k] for k in ("class", "key_type", "kcv")):
            return FAILED, 0, None      # another object under a held OUID
        if held:
            return SKIPPED, held["handle"], obj
        obj["handle"] = self.next_handle
        self.next_handle += 1
        self.store.append(obj)
        self.by_ouid[obj["ouid"]] = obj
        return COPIED, obj["handle"], obj

    def on_done(self, msg, n):
        """Check DONE against the objects taken and answer SUMMARY."""
        seq = n + 2
        self.check(msg, (DONE,), seq, 4 + TAG, AUTH)
        if unseal(AESGCM, self.kc_st, u32(2) + u64(seq), msg) != u32(n):
            raise CloneError(UNEXPECTED)
        self.state = "done"
        return self.seal_control(SUMMARY, seq, b"".join(u32(c) for c in self.counts.values()),
                                 self.kc_ts)


# --------------------------------------------------------------- archives
# docs/archive-format.md: a header (72 bytes of fields, then their tag),
# the object records and the final record, each a u32 length and an
# AES-256-GCM ciphertext under K with the header fields as associated data.
ARCHIVE_MAGIC = b"CLDARCH\0"
ARCHIVE_VERSION = 1
ARCHIVE_FIELDS = struct.Struct(">8sHHI8sQ32sII")
ARCHIVE_HEADER_LEN = ARCHIVE_FIELDS.size + TAG
ARCHIVE_OBJECTS_MAX = 65536
ARCHIVE_KEY_LABEL = b"clonedev archive v1 key"
ARCHIVE_SEALED_MIN, ARCHIVE_SEALED_MAX = 4 + RECORD.size + TAG, 4 + RECORD.size + MAX_VALUE + TAG
ARCHIVE_FINAL_SEALED = 4 + 32 + TAG
ARCHIVE_HEADER, ARCHIVE_OBJECT, ARCHIVE_FINAL = 0, 1, 2


class ArchiveError(Exception):
    """An archive refused; the name is the errno the kernel gives."""

    def __init__(self, name, why):
        super().__init__(f"{name}: {why}")
        self.name = name


def domain_fingerprint(secret):
    """A domain's fingerprint: 8 bytes of HMAC-SHA256(secret, label)."""
    return hmac.new(secret, b"clonedev domain fingerprint", "sha256").digest()[:8]


def archive_nonce(kind, index):
    """The nonce (kind, index): u32 || u64."""
    return u32(kind) + u64(index)


def archive_write(objects, secret, serial=1, salt=None):
    """An archive of objects (each record's handle its "handle", else its
    place from 1) sealed under the domain secret."""
    salt = salt if salt is not None else os.urandom(32)
    fields = ARCHIVE_FIELDS.pack(ARCHIVE_MAGIC, ARCHIVE_VERSION, 0, 0, domain_fingerprint(secret),
                                 serial, salt, len(objects), 0)
    aead = AESGCM(hkdf(secret, salt, ARCHIVE_KEY_LABEL, 32))
    out = bytearray(fields + aead.encrypt(archive_nonce(ARCHIVE_HEADER, 0), b"", fields))
    for i, obj in enumerate(objects):
        plain = u32(obj.get("handle", i + 1)) + encode_record(obj)
        sealed = aead.encrypt(archive_nonce(ARCHIVE_OBJECT, i), plain, fields)
        out += u32(len(sealed)) + sealed
    final = aead.encrypt(archive_nonce(ARCHIVE_FINAL, len(objects)),
                         u32(len(objects)) + sha256(bytes(out)), fields)
    return bytes(out + u32(len(final)) + final)


def archive_read(data, secrets, handles=None):
    """Verify a whole archive with the first of the domain secrets whose
    fingerprint it names: (serial, [(handle, object or None if its record
    does not validate)]) of the objects selected by handle (all if None).
    ArchiveError (EBADMSG, EPROTONOSUPPORT, EKEYREJECTED, ENOENT) if refused."""
    if len(data) < ARCHIVE_HEADER_LEN:
        raise ArchiveError("EBADMSG", "shorter than a header")
    fields = data[:ARCHIVE_FIELDS.size]
    magic, version, zero, flags, fp, serial, salt, count, zero2 = ARCHIVE_FIELDS.unpack(fields)
    if magic != ARCHIVE_MAGIC:
        raise ArchiveError("EBADMSG", "not an archive")
    if version != ARCHIVE_VERSION:
        raise ArchiveError("EPROTONOSUPPORT", f"version {version}")
    if zero or flags or zero2 or count > ARCHIVE_OBJECTS_MAX:
        raise ArchiveError("EBADMSG", "reserved fields or count")
    secret = next((s for s in secrets if hmac.compare_digest(domain_fingerprint(s), fp)), None)
    if secret is None:
        raise ArchiveError("EKEYREJECTED", "no domain with this fingerprint")
    aead = AESGCM(hkdf(secret, salt, ARCHIVE_KEY_LABEL, 32))

    def open_sealed(kind, index, sealed):
        try:
            return aead.decrypt(archive_nonce(kind, index), sealed, fields)
        except InvalidTag as err:
            raise ArchiveError("EBADMSG", f"record {kind}/{index} fails its tag") from err

    open_sealed(ARCHIVE_HEADER, 0, data[ARCHIVE_FIELDS.size:ARCHIVE_HEADER_LEN])
    off, records = ARCHIVE_HEADER_LEN, []

    def next_sealed(low, high):
        nonlocal off
        if off + 4 > len(data):
            raise ArchiveError("EBADMSG", "cut short")
        n = struct.unpack_from(">I", data, off)[0]
        if not low <= n <= high or off + 4 + n > len(data):
            raise ArchiveError("EBADMSG", "a record's length")
        off += 4 + n
        return data[off - n:off]

    for i in range(count):
        plain = open_sealed(ARCHIVE_OBJECT, i, next_sealed(ARCHIVE_SEALED_MIN, ARCHIVE_SEALED_MAX))
        records.append((struct.unpack_from(">I", plain)[0], plain[4:]))
    end = off
    final = open_sealed(ARCHIVE_FINAL, count, next_sealed(ARCHIVE_FINAL_SEALED, ARCHIVE_FINAL_SEALED))
    if final != u32(count) + sha256(data[:end]):
        raise ArchiveError("EBADMSG", "the final record's count or hash")
    if off != len(data):
        raise ArchiveError("EBADMSG", "bytes after the final record")
    if handles is not None and not set(handles) <= {h for h, _ in records}:
        raise ArchiveError("ENOENT", "a handle asked for is not in the archive")
    chosen = []
    for handle, record in records:
        if handles is not None and handle not in handles:
            continue
        try:
            obj = decode_record(record)
        except ValueError:
            obj = None
        chosen.append((handle, obj))
    return serial, chosen


def cmd_archive_write(args):
    """Write an archive file of an objects file's objects."""
    with open(args.out, "wb") as f:
        f.write(archive_write(load_objects(args.objects), args.domains[0], args.serial))
    return 0


def cmd_archive_read(args):
    """Restore an archive file into a store, as a clone target takes objects."""
    store = load_objects(args.store) if os.path.exists(args.store) else []
    handles = [int(h) for h in args.handles.split(",")] if args.handles else None
    with open(args.input, "rb") as f:
        data = f.read()
    try:
        serial, chosen = archive_read(data, args.domains, handles)
    except ArchiveError as err:
        if args.report:
            write_json(args.report, {"error": err.name})
        print(f"clonepeer: archive refused: {err}", file=sys.stderr)
        return 1
    by_ouid = {obj["ouid"]: obj for obj in store}
    next_handle = max((obj["handle"] for obj in store), default=0) + 1
    counts = {"copied": 0, "skipped": 0, "failed": 0}
    for _, obj in chosen:
        held = obj and by_ouid.get(obj["ouid"])
        if obj is None or (held and any(held[k] != obj[k] for k in ("class", "key_type", "kcv"))):
            counts["failed"] += 1
            continue
        if held:
            counts["skipped"] += 1
            continue
        if obj["class"] in (SECRET, PRIVATE):
            obj["flags"] |= FLAGS_PRIVATE_SENSITIVE
        obj["handle"] = next_handle
        next_handle += 1
        store.append(obj)
        by_ouid[obj["ouid"]] = obj
        counts["copied"] += 1
    write_json(args.store, {"objects": [object_to_json(o) for o in store]})
    if args.report:
        write_json(args.report, dict(counts, serial=serial, objects=len(chosen)))
    return 0


# ------------------------------------------------------------------ pipes
def send_frame(f, msg):
    """Send one message (or, for b"", the end) with its u32 length."""
    f.write(u32(len(msg)) + msg)
    f.flush()


class FrameTooLong(Exception):
    """A frame over MAX_MESSAGE: the clone aborts (9), no ERROR is sent and
    nothing more is read from the pipe, as clonectl does."""


def recv_frame(f):
    """One message; None at the end (length 0 or EOF); FrameTooLong for a
    length over MAX_MESSAGE (the frame is not read)."""
    head = f.read(4)
    n = struct.unpack(">I", head)[0] if len(head) == 4 else 0
    if n > MAX_MESSAGE:
        raise FrameTooLong()
    msg = f.read(n)
    return msg if n and len(msg) == n else None


def finish(side, report_path):
    """Write the report, print a failure; the exit status."""
    if report_path:
        write_json(report_path, side.report())
    if side.state == "done":
        return 0
    print(f"clone failed: {side.error} {error_name(side.error)}", file=sys.stderr)
    return 1


def cmd_target(args):
    """Serve one clone as the target on stdin/stdout."""
    store = load_objects(args.store) if args.store and os.path.exists(args.store) else []
    target = Target(store, side_config(args), Entropy())
    rfile, wfile = sys.stdin.buffer, sys.stdout.buffer
    try:
        while target.state == "running":
            msg = recv_frame(rfile)
            if msg is None:
                target.abort()
                break
            out = target.step(msg)
            if out:
                send_frame(wfile, out)
        while recv_frame(rfile) is not None:
            pass
    except FrameTooLong:
        if target.state == "running":
            target.abort()
    if args.store:
        write_json(args.store, {"objects": [object_to_json(o) for o in store]})
    return finish(target, args.report)


def cmd_source(args):
    """Run one clone as the source to a command's stdin/stdout."""
    source = Source(load_objects(args.objects), side_config(args), Entropy())
    peer = subprocess.Popen(["sh", "-c", args.connect], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    out = source.start()
    try:
        while out is not None:
            send_frame(peer.stdin, out)
            if source.state != "running":
                break
            msg = recv_frame(peer.stdout)
            if msg is None:
                source.abort()
                break
            out = source.step(msg)
        send_frame(peer.stdin, b"")
    except (BrokenPipeError, FrameTooLong):
        if source.state == "running":
            source.abort()
    with suppress(BrokenPipeError):
        peer.stdin.close()
    peer.stdout.close()
    peer.wait()
    return finish(source, args.report)


def parse_bits(text, table, what):
    """A bit mask from a comma-separated list of names."""
    bits = 0
    for name in filter(None, text.split(",")):
        if name not in table:
            raise SystemExit(f"unknown {what}: {name}")
        bits |= table[name]
    return bits


DEFAULT_LABELS = [b"primary", b"second", b"third"]   # of domains given no --label


def side_config(args):
    """A side's Config from its command line."""
    if not args.domains or len(args.domains) > 3:
        raise SystemExit("give 1 to 3 domains (--domain or --domain-hex)")
    labels = [lbl.encode() for lbl in args.labels or []]
    labels += DEFAULT_LABELS[len(labels):len(args.domains)]
    if len(labels) != len(args.domains) or len(set(labels)) != len(labels) or \
            not all(1 <= len(lbl) <= LABEL_LEN for lbl in labels):
        raise SystemExit("give at most one --label per domain, unique, 1 to 32 characters")
    if not 1 <= args.window <= WINDOW_MAX:
        raise SystemExit(f"give a --window of 1 to {WINDOW_MAX}")
    return Config([(label_bytes(lbl), d) for lbl, d in zip(labels, args.domains)],
                  parse_bits(args.protocols, PROTOCOLS, "protocol"),
                  parse_bits(args.suites, SUITE_BITS, "suite"),
                  args.fips, args.serial, args.slot_size, args.zero_share, args.window)


# ---------------------------------------------------------- make-objects
def new_object(cls, key_type, value, label, ident):
    """An object with a fresh OUID, its KCV and bits, flags as a co makes them."""
    kcv, bits = key_check(key_type, value, cls == PUBLIC) if key_type else (bytes(3),
                                                                             8 * len(value))
    flags = FLAGS_PRIVATE_SENSITIVE if cls in (SECRET, PRIVATE) else 0
    return {"class": cls, "key_type": key_type, "bits": bits, "flags": flags, "label": label,
            "id": ident, "ouid": os.urandom(16), "kcv": kcv, "value": value}


def cmd_make_objects(args):
    """Write an objects file of freshly generated objects."""
    objs = [new_object(SECRET, AES, os.urandom(16), "aes128", b"\x01"),
            new_object(SECRET, AES, os.urandom(32), "aes256", b"\x02"),
            new_object(SECRET, GENERIC, os.urandom(32), "generic", b"\x03")]
    for key_type, ident in ((EC_P256, b"\x04"), (EC_P384, b"\x05")):
        kex, size, _ = EC_KEYS[key_type]
        key = new_ephemeral(kex)
        scalar = key.private_numbers().private_value.to_bytes(size, "big")
        objs.append(new_object(PRIVATE, key_type, scalar, f"ec-{kex}", ident))
        objs.append(new_object(PUBLIC, key_type, public_bytes(key), f"ec-{kex}", ident))
    if args.rsa:
        key = rsa.generate_private_key(65537, args.rsa)
        der = key.private_bytes(serialization.Encoding.DER,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
        objs.append(new_object(PRIVATE, RSA, der, f"rsa{args.rsa}", b"\x06"))
    objs.append(new_object(DATA, NONE, b"clonepeer test data", "data", b"\x07"))
    if args.data_size:
        objs.append(new_object(DATA, NONE, os.urandom(args.data_size), "big-data", b"\x08"))
    for n in range(args.aes):
        objs.append(new_object(SECRET, AES, os.urandom(32), f"bulk-{n}", u32(n)))
    write_json(args.out, {"objects": [object_to_json(o) for o in objs]})
    return 0


def cmd_make_tampered(args):
    """Write an objects file for the target's record checks: a valid AES key
    with a 32-character label, one with neither the private nor the
    sensitive flag, then objects a target must answer with status 4 and not
    store (each labelled by what is wrong with it)."""
    label32 = "label-of-thirty-two-characters-x"
    good = new_object(SECRET, AES, os.urandom(32), label32, b"\x01")
    plain = new_object(SECRET, AES, os.urandom(16), "encrypt-only", b"\x01")
    plain["flags"] = 0x10   # the target makes it private and sensitive
    objs = [good, plain]

    def bad(label, cls, key_type, value, **fields):
        obj = {"class": cls, "key_type": key_type, "bits": 8 * len(value), "flags": 0,
               "label": label, "id": b"\x02", "ouid": os.urandom(16), "kcv": bytes(3),
               "value": value, **fields}
        objs.append(obj)
        return obj

    zero = bytes([4]) + bytes(64)
    bad("ec-zero-point", PUBLIC, EC_P256, zero, kcv=sha256(zero)[:3], bits=256)
    off = bytes([4]) + bytes([1]) * 64
    bad("ec-off-curve", PUBLIC, EC_P256, off, kcv=sha256(off)[:3], bits=256)
    bad("data-bits", DATA, NONE, b"12345", bits=8)
    bad("data-kcv", DATA, NONE, b"12345", bits=40, kcv=b"\x01\x02\x03")
    obj = bad("id-trailing", DATA, NONE, b"x", bits=8)
    rec = bytearray(encode_record(obj))
    rec[RECORD.size - MAX_ID + len(obj["id"])] = 0x55
    obj["record"] = bytes(rec)
    obj = bad("label-trailing", DATA, NONE, b"x", bits=8)
    rec = bytearray(encode_record(obj))
    rec[44 + len(obj["label"]) + 1] = 0x63
    obj["record"] = bytes(rec)
    bad("status-1", DATA, NONE, b"x", bits=8, wire_status=SKIPPED)
    clash = new_object(SECRET, AES, os.urandom(32), "ouid-clash", b"\x01")
    clash["ouid"] = good["ouid"]    # another key under a held OUID
    objs.append(clash)
    write_json(args.out, {"objects": [object_to_json(o) for o in objs]})
    return 0


# --------------------------------------------------------------- vectors
VECTOR_DOMAIN = b"clonedev test domain"
VECTOR_NS, VECTOR_NT = bytes(range(32)), bytes(range(32, 64))
VECTOR_KEYS = {"p256": (bytes(range(1, 33)), bytes(range(33, 65))),
               "p384": (bytes(range(1, 49)), bytes(range(49, 97))),
               "x25519": (bytes(range(1, 33)), bytes(range(33, 65)))}
VECTOR_CPV3_NEXT = bytes(range(65, 97))   # the target's CPv3 key for object 1
VECTOR_SPAKE = (bytes(range(0x41, 0x61)), bytes(range(0x61, 0x81)))   # SPAKE2's x and y
VECTOR_H = bytes(range(0xA0, 0xC0))       # the key schedule's stand-in transcript hash
VECTOR_LABEL = b"primary"


def vector_record():
    """The fixed object of the vectors."""
    value = bytes(range(32))
    return {"class": SECRET, "key_type": AES, "bits": 256, "flags": 3, "label": "vector",
            "id": b"\x01\x02", "ouid": bytes(range(16)), "kcv": key_check(AES, value)[0],
            "value": value}


def vector_clone(protocol, suite):
    """A whole in-process clone of the fixed record with fixed inputs: the
    source offers everything, the target only this protocol and suite.
    Returns the messages in order."""
    secrets = [{kex: [pair[side]] for kex, pair in VECTOR_KEYS.items()} for side in (0, 1)]
    secrets[1]["p256"].append(VECTOR_CPV3_NEXT)
    for side in (0, 1):
        secrets[side]["spake"] = [VECTOR_SPAKE[side]]
    domains = [(label_bytes(VECTOR_LABEL), VECTOR_DOMAIN)]
    source = Source([vector_record()], Config(domains, 7, 7, False, 1, 1024),
                    Entropy(VECTOR_NS, secrets[0]))
    target = Target([], Config(domains, protocol, suite.bit if suite else 0, False, 2, 1024),
                    Entropy(VECTOR_NT, secrets[1]))
    messages, out, turn = [], source.start(), 0
    while out is not None:
        messages.append(out)
        out = (target, source)[turn].step(out)
        turn ^= 1
    if source.state != "done" or target.state != "done":
        raise RuntimeError(f"vector clone failed: {source.error} / {target.error}")
    return messages


def vector_spake():
    """w, pA, pB and K's X coordinate of the vectors (the same in every clone)."""
    w = spake_w(VECTOR_DOMAIN)
    x, y = (int.from_bytes(v, "big") for v in VECTOR_SPAKE)
    pa, pb = spake_share(w, x, True), spake_share(w, y, False)
    kx = spake_k(w, x, pb, True)
    if spake_k(w, y, pa, False) != kx:
        raise RuntimeError("the vectors' SPAKE2 sides disagree")
    return w, pa, pb, kx


def clone_vectors(messages, protocol, suite):
    """The key schedule, MAC_S and the plaintexts of the sealed messages of
    a vector clone (HELLO, CHOICE, CONFIRM, READY, OBJECT 0, RESULT 0, DONE,
    SUMMARY), each checked against the messages."""
    hello, choice, confirm, ready, obj, result, done, summary = messages
    w, pa, pb, kx = vector_spake()
    if confirm[HEADER.size:HEADER.size + SHARE_LEN] != pa or choice[-SHARE_LEN:] != pb:
        raise RuntimeError("vector shares differ from the messages'")
    h_k = sha256(hello + choice + pa)
    k_hs, _, k_c = handshake_keys(w, kx, VECTOR_NS, VECTOR_NT, h_k)
    h_s = sha256(hello + choice + confirm[:-32])
    mac_s = hmac.new(k_hs, b"source" + h_s, "sha256").digest()
    if mac_s != confirm[-32:]:
        raise RuntimeError("vector MAC_S differs from the message's")
    prefix = 0
    if protocol == CPV4:
        s_key, t_key = (new_ephemeral(suite.kex, v) for v in VECTOR_KEYS[suite.kex])
        prk = hkdf_extract(k_hs, agree(s_key, public_bytes(t_key)), suite.hash)
        aead, nonce = suite.aead, u32(0)
        k_obj, k_res = cpv4_keys(prk, suite, 0)
    elif protocol == CPV3:
        s_key, t_key = (new_ephemeral("p256", v) for v in VECTOR_KEYS["p256"])
        k = cpv3_keys(agree(s_key, public_bytes(t_key)), k_hs, 0)
        aead, nonce, k_obj, k_res, prefix = AESGCM, u32(0), k[:32], k[32:], SHARE_LEN
    else:
        k = cpv1_keys(k_hs, VECTOR_NS, VECTOR_NT)
        aead, nonce, k_obj, k_res = AESGCM, u32(1), k[:32], k[32:]

    def control(key, seq, msg):
        return unseal(AESGCM, key, u32(2) + u64(seq), msg)

    if control(k_c[32:], 1, ready) != b"":
        raise RuntimeError("vector READY is not empty")
    return {"H_K": h_k.hex(), "K_hs": k_hs.hex(), "H_S": h_s.hex(), "MAC_S": mac_s.hex(),
            "plaintext": {"OBJECT 0": unseal(aead, k_obj, nonce + u64(2), obj, prefix).hex(),
                          "RESULT 0": unseal(aead, k_res, nonce + u64(2), result).hex(),
                          "DONE": control(k_c[:32], 3, done).hex(),
                          "SUMMARY": control(k_c[32:], 3, summary).hex()}}


def compute_vectors():
    """The test vectors as a JSON document."""
    w, pa, pb, kx = vector_spake()
    k_hs, sid, k_c = handshake_keys(w, kx, VECTOR_NS, VECTOR_NT, VECTOR_H)
    doc = {"inputs": {"D": VECTOR_DOMAIN.hex(), "label": VECTOR_LABEL.decode(),
                      "Ns": VECTOR_NS.hex(), "Nt": VECTOR_NT.hex(),
                      "spake2_x": VECTOR_SPAKE[0].hex(), "spake2_y": VECTOR_SPAKE[1].hex(),
                      "H": VECTOR_H.hex(),
                      "ephemeral_secrets": {kex: [s.hex() for s in pair]
                                            for kex, pair in VECTOR_KEYS.items()},
                      "cpv3_target_secret_object1": VECTOR_CPV3_NEXT.hex(),
                      "record": object_to_json(vector_record()),
                      "source": "serial 1, non-FIPS, protocols 7, suites 7, slot 1024",
                      "target": "serial 2, non-FIPS, only the protocol/suite named, slot 1024"},
           "w": w.to_bytes(32, "big").hex(), "pA": pa.hex(), "pB": pb.hex(), "K": kx.hex(),
           "K_hs": k_hs.hex(), "session_id": sid.hex(), "K_c": k_c.hex(), "cpv4": {}}
    for suite in SUITES:
        s_key, t_key = (new_ephemeral(suite.kex, s) for s in VECTOR_KEYS[suite.kex])
        z = agree(s_key, public_bytes(t_key))
        prk = hkdf_extract(k_hs, z, suite.hash)
        entry = {"pub_s": public_bytes(s_key).hex(), "pub_t": public_bytes(t_key).hex(),
                 "Z": z.hex(), "PRK": prk.hex()}
        for epoch in (0, 1):
            k_st, k_ts = cpv4_keys(prk, suite, epoch)
            entry[f"K_st({epoch})"], entry[f"K_ts({epoch})"] = k_st.hex(), k_ts.hex()
        messages = vector_clone(CPV4, suite)
        entry["object0"] = messages[4].hex()
        entry["transcript"] = [m.hex() for m in messages]
        entry["clone"] = clone_vectors(messages, CPV4, suite)
        doc["cpv4"][suite.name] = entry
    s_key, t_key = (new_ephemeral("p256", s) for s in VECTOR_KEYS["p256"])
    z0 = agree(s_key, public_bytes(t_key))
    messages = vector_clone(CPV3, None)
    k_0 = cpv3_keys(z0, k_hs, 0)
    doc["cpv3"] = {"Z_0": z0.hex(), "K_0": k_0.hex(),
                   "object0": messages[4].hex(), "transcript": [m.hex() for m in messages],
                   "clone": clone_vectors(messages, CPV3, None)}
    messages = vector_clone(CPV1, None)
    k_1 = cpv1_keys(k_hs, VECTOR_NS, VECTOR_NT)
    doc["cpv1"] = {"K_1": k_1.hex(),
                   "object0": messages[4].hex(), "transcript": [m.hex() for m in messages],
                   "clone": clone_vectors(messages, CPV1, None)}
    return doc


# The suite whose whole clone docs/clone-protocol.md shows, and its labels
DOC_SUITE = "p256-aes256gcm"
DOC_MESSAGES = ("HELLO", "CHOICE", "CONFIRM", "READY", "OBJECT 0", "RESULT 0", "DONE", "SUMMARY")


def doc_lines(label, value, width=13, indent="  "):
    """A hex value as the document shows it: 32 bytes a line, label first."""
    chunks = [value[i:i + 64] for i in range(0, len(value), 64)] or [""]
    lines = [f"{indent}{label:<{width}}{chunks[0]}"]
    return lines + [f"{indent}{'':<{width}}{c}" for c in chunks[1:]]


def doc_block(doc):
    """The text of the document's code block of one CPv4 clone."""
    entry = doc["cpv4"][DOC_SUITE]
    lines = [f"{DOC_SUITE}: every message of the clone, header included"]
    for label, msg in zip(DOC_MESSAGES, entry["transcript"]):
        lines += doc_lines(label, msg)
    lines.append("the transcript hash, K_hs, MAC_S and the hash it takes")
    for label in ("H_K", "K_hs", "H_S", "MAC_S"):
        lines += doc_lines(label, entry["clone"][label])
    lines.append("the plaintexts of the sealed messages (READY's is empty)")
    for label, value in entry["clone"]["plaintext"].items():
        lines += doc_lines(label, value)
    return "\n".join(lines) + "\n"


def doc_values(path):
    """The hex values in the code blocks of a document's "Test vectors"
    section: a line "LABEL HEX" starts one, lines of hex alone continue it
    (or start one without a label), any other line ends it."""
    values, current, in_section, in_block = [], None, False, False

    def is_hex(word):
        return len(word) % 2 == 0 and all(c in "0123456789abcdef" for c in word)

    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == "## Test vectors"
            if not in_section:
                continue
            if line.startswith("```"):
                in_block, current = not in_block, None
                continue
            if not in_block:
                continue
            words = line.split()
            if len(words) == 1 and is_hex(words[0]) and current is not None:
                values[current] += words[0]
            elif words and len(words[-1]) >= 8 and is_hex(words[-1]):
                values.append(words[-1])
                current = len(values) - 1
            else:
                current = None
    return values


def leaves(doc, path=""):
    """The (path, value) leaves of a JSON document."""
    if isinstance(doc, (dict, list)):
        items = doc.items() if isinstance(doc, dict) else enumerate(doc)
        return {leaf for key, value in items for leaf in leaves(value, f"{path}/{key}")}
    return {(path, doc)}


def cmd_vectors(args):
    """Print, write or check the test vectors."""
    doc = compute_vectors()
    if args.doc_block:
        sys.stdout.write(doc_block(doc))
        return 0
    if args.doc:
        # Every value the document shows must be one of the file's (or, with
        # no --check, the computed ones): the two cannot drift apart.
        if args.check:
            with open(args.check, encoding="utf-8") as f:
                doc = json.load(f)
        known = {value for _, value in leaves(doc) if isinstance(value, str)}
        shown = doc_values(args.doc)
        bad = [value for value in shown if value not in known]
        for value in bad:
            print(f"{args.doc}: a test vector not in the vectors: {value[:32]}...", file=sys.stderr)
        if len(shown) < 40:
            print(f"{args.doc}: only {len(shown)} test vectors found", file=sys.stderr)
            return 1
        if bad:
            return 1
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            diffs = sorted({path for path, _ in leaves(json.load(f)) ^ leaves(compute_vectors())})
        for path in diffs:
            print(f"vector differs: {path}", file=sys.stderr)
        return 1 if diffs else 0
    if args.doc:
        return 0
    write_json(args.write or "/dev/stdout", doc)
    return 0


# ------------------------------------------------------------------ main
def main():
    """Parse the command line and run a command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    side = argparse.ArgumentParser(add_help=False)
    side.add_argument("--domain", dest="domains", action="append", type=str.encode,
                      metavar="SECRET", help="a domain secret as text (repeat: up to 3, "
                      "primary first)")
    side.add_argument("--domain-hex", dest="domains", action="append", type=bytes.fromhex,
                      metavar="HEX", help="a domain secret as hex bytes")
    side.add_argument("--label", dest="labels", action="append", metavar="LABEL",
                      help="the label of a domain, in the order of the domains (default: "
                      "primary, second, third); the sides match domains by label")
    side.add_argument("--protocols", default="cpv1,cpv3,cpv4", help="protocols allowed")
    side.add_argument("--suites", default=",".join(s.name for s in SUITES),
                      help="CPv4 suites enabled")
    side.add_argument("--fips", action="store_true", help="the HSM is in FIPS mode")
    side.add_argument("--serial", type=int, default=1, help="the partition serial")
    side.add_argument("--slot-size", type=int, default=1024, help="the CPv1 slot size")
    side.add_argument("--window", type=int, default=WINDOW_MAX,
                      help=f"CPv4 objects in flight, 1 to {WINDOW_MAX} (the source offers it, "
                      "the target takes at most it)")
    side.add_argument("--report", help="write a JSON report here")
    side.add_argument("--zero-share", action="store_true",
                      help="test only: send the X25519 share u = 0 and key with Z = 0")
    p = sub.add_parser("target", parents=[side], help="serve one clone on stdin/stdout")
    p.add_argument("--store", help="JSON file of the objects held")
    p.set_defaults(func=cmd_target)
    p = sub.add_parser("source", parents=[side], help="clone objects to a peer command")
    p.add_argument("--objects", required=True, help="JSON file of the objects to send")
    p.add_argument("--connect", required=True, help="shell command of the target")
    p.set_defaults(func=cmd_source)
    p = sub.add_parser("make-objects", help="write an objects file")
    p.add_argument("--out", required=True)
    p.add_argument("--aes", type=int, default=0, help="extra AES-256 keys")
    p.add_argument("--rsa", type=int, default=0, help="add an RSA private key of these bits")
    p.add_argument("--data-size", type=int, default=0, help="add a data object of this size")
    p.set_defaults(func=cmd_make_objects)
    p = sub.add_parser("make-tampered", help="write an objects file of malformed records")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_make_tampered)
    p = sub.add_parser("archive-write", help="write an archive file (docs/archive-format.md)")
    p.add_argument("--domain", dest="domains", action="append", type=str.encode, required=True,
                   metavar="SECRET", help="the domain secret to seal under")
    p.add_argument("--objects", required=True, help="JSON file of the objects to archive")
    p.add_argument("--serial", type=int, default=1, help="the partition serial to name")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_archive_write)
    p = sub.add_parser("archive-read", help="verify an archive file and restore it into a store")
    p.add_argument("--domain", dest="domains", action="append", type=str.encode, required=True,
                   metavar="SECRET", help="a domain secret held (repeat)")
    p.add_argument("--in", dest="input", required=True)
    p.add_argument("--store", required=True, help="JSON file of the objects held")
    p.add_argument("--objects", dest="handles", help="restore only these handles H1,H2,...")
    p.add_argument("--report", help="write a JSON report here")
    p.set_defaults(func=cmd_archive_read)
    p = sub.add_parser("vectors", help="deterministic test vectors")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", help="compare with this file")
    group.add_argument("--write", help="write them to this file")
    group.add_argument("--doc-block", action="store_true",
                       help=f"print the document's block of the {DOC_SUITE} clone")
    p.add_argument("--doc", help="check that every hex value in this document's test "
                   "vectors is one of the vectors (of --check's file if given)")
    p.set_defaults(func=cmd_vectors)
    args = parser.parse_args()
    try:
        return args.func(args)
    except (OSError, ValueError, KeyError) as err:
        print(f"clonepeer: {type(err).__name__}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
