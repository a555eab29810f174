#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Cross-checks clonedev's key use against python3-cryptography.

Usage: crypto_xcheck.py TOOL KEYS_DIR

TOOL is build/selftests/crypto_xcheck_tool, which holds one clonedev
session and answers a command a line; KEYS_DIR holds selftests/keys/mkkeys'
output (its RSA keys of 2048, 3072 and 4096 bits, imported: one RSA key
generated in the kernel is enough under TCG). Each check is
both ways where the mechanism has two: what clonedev makes Python takes,
and what Python makes clonedev takes. Prints one "PASS what" or
"FAIL what: why" line a check (crypto_xcheck.sh turns them into TAP).
"""

import hashlib
import os
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import cmac, hashes, hmac
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import (
    aes_key_unwrap_with_padding, aes_key_wrap_with_padding)

# uapi/linux/clonedev.h
AES, GENERIC, P256, P384, RSA = 1, 2, 3, 4, 5
ENCRYPT, DECRYPT, SIGN, VERIFY = 1, 2, 3, 4
GCM, CBC_PAD, CTR, HMAC, CMAC, ECDSA, RSA_PKCS, RSA_PSS, RSA_OAEP = range(1, 10)
SHA256, SHA384, SHA512 = 1, 2, 3
EXTRACTABLE = 0x4
PREHASHED = 0x4
EBADMSG = 74

HASHES = {SHA256: hashes.SHA256, SHA384: hashes.SHA384,
          SHA512: hashes.SHA512}
CURVES = {P256: (ec.SECP256R1, 32, SHA256), P384: (ec.SECP384R1, 48, SHA384)}


class Failed(Exception):
    pass


class Tool:
    """The clonedev session at the other end of the pipe."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def call(self, *args):
        line = " ".join(a.hex() if isinstance(a, bytes) and a else
                        "-" if isinstance(a, bytes) else str(a)
                        for a in args)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer:
            raise Failed("the tool ended on: " + args[0])
        if answer[0] == "err":
            return -int(answer[1]), []
        return 0, answer[1:]

    def ok(self, *args):
        ret, values = self.call(*args)
        if ret:
            raise Failed("%s: errno %d" % (args[0], -ret))
        return values

    def import_key(self, ktype, value, flags=0):
        return int(self.ok("import", ktype, flags, value)[0])

    def crypt(self, op, mech, handle, hash_id=0, param=0, iv=b"", aad=b"",
              data=b"", sig=b"", flags=0):
        args = ["crypt", op, mech, handle, hash_id, param, iv, aad, data,
                sig] + ([flags] if flags else [])
        ret, values = self.call(*args)
        if ret:
            return ret, None
        return 0, bytes.fromhex(values[0]) if values[0] != "-" else b""

    def crypt_ok(self, *args, **kw):
        ret, out = self.crypt(*args, **kw)
        if ret:
            raise Failed("crypt %s: errno %d" % (args[:2], -ret))
        return out

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def check(cond, what):
    if not cond:
        raise Failed(what)


def aes_kcv(key):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return (enc.update(bytes(16)) + enc.finalize())[:3]


def point_of(key):
    return key.public_key().public_bytes(ser.Encoding.X962,
                                         ser.PublicFormat.UncompressedPoint)


def raw_sig(der, size):
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def der_sig(raw):
    size = len(raw) // 2
    return utils.encode_dss_signature(int.from_bytes(raw[:size], "big"),
                                      int.from_bytes(raw[size:], "big"))


def ecdsa(tool, _keys):
    for ktype, (curve, size, hash_id) in CURVES.items():
        key = ec.generate_private_key(curve())
        h = tool.import_key(ktype, key.private_numbers().private_value
                            .to_bytes(size, "big"))
        algo = HASHES[hash_id]()
        msg = os.urandom(200)
        sig = tool.crypt_ok(SIGN, ECDSA, h, hash_id, data=msg)
        check(len(sig) == 2 * size, "signature length %d" % len(sig))
        key.public_key().verify(der_sig(sig), msg, ec.ECDSA(algo))
        # Over a digest made here (CLONEDEV_HASH_NONE).
        digest = hashlib.new(algo.name, msg).digest()
        sig = tool.crypt_ok(SIGN, ECDSA, h, 0, data=digest)
        key.public_key().verify(der_sig(sig), digest,
                                ec.ECDSA(utils.Prehashed(algo)))
        mine = raw_sig(key.sign(msg, ec.ECDSA(algo)), size)
        tool.crypt_ok(VERIFY, ECDSA, h, hash_id, data=msg, sig=mine)
        ret, _ = tool.crypt(VERIFY, ECDSA, h, hash_id, data=msg + b"x",
                            sig=mine)
        check(ret == -EBADMSG, "a wrong message verified (%d)" % ret)
        # A pair the kernel made: Python verifies with its public point.
        priv, _pub, point = tool.ok("genpair", ktype)
        peer = ec.EllipticCurvePublicKey.from_encoded_point(
            curve(), bytes.fromhex(point))
        sig = tool.crypt_ok(SIGN, ECDSA, int(priv), SHA512, data=msg)
        peer.verify(der_sig(sig), msg, ec.ECDSA(hashes.SHA512()))


ORDERS = {P256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551,
          P384: int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
                    "581a0db248b0a77aecec196accc52973", 16)}


def ecdsa_edges(tool, _keys):
    for ktype, (curve, size, hash_id) in CURVES.items():
        key = ec.generate_private_key(curve())
        h = tool.import_key(ktype, key.private_numbers().private_value
                            .to_bytes(size, "big"))
        pre = ec.ECDSA(utils.Prehashed(HASHES[hash_id]()))
        n = ORDERS[ktype]
        # e = 0 (u1 = 0), e = n (0 again), e above n, and random ones:
        # twenty with one key, so its verification table is made and used.
        digests = [bytes(size), n.to_bytes(size, "big"), b"\xff" * size]
        digests += [os.urandom(size) for _ in range(17)]
        for digest in digests:
            sig = tool.crypt_ok(SIGN, ECDSA, h, 0, data=digest)
            key.public_key().verify(der_sig(sig), digest, pre)
            mine = raw_sig(key.sign(digest, pre), size)
            tool.crypt_ok(VERIFY, ECDSA, h, 0, data=digest, sig=mine)
        r, s_ = int.from_bytes(mine[:size], "big"), \
            int.from_bytes(mine[size:], "big")
        for rr, ss, what in ((r, s_ ^ 1, "s changed"), (r ^ 1, s_, "r changed"),
                             (r + n, s_, "r + n"), (r, 0, "s = 0"),
                             (0, s_, "r = 0"), (r, n - s_, "s negated")):
            bad = b"".join(v.to_bytes(size + 1, "big")[-size:] if v < 256 ** size
                           else b"\xff" * size for v in (rr, ss))
            ret, _ = tool.crypt(VERIFY, ECDSA, h, 0, data=digest, sig=bad)
            if what == "s negated":
                # (r, n - s) is the other valid signature of the pair.
                check(ret == 0, "P-%d: (r, n - s) refused (%d)" %
                      (size * 8, ret))
            else:
                check(ret == -EBADMSG, "P-%d: %s verified (%d)" %
                      (size * 8, what, ret))


def rsa_key(tool, keys, flags=0, bits=2048):
    with open(os.path.join(keys, "rsa%d.pem" % bits), "rb") as f:
        key = ser.load_pem_private_key(f.read(), password=None)
    pkcs1 = key.private_bytes(ser.Encoding.DER,
                              ser.PrivateFormat.TraditionalOpenSSL,
                              ser.NoEncryption())
    return key, tool.import_key(RSA, pkcs1, flags), pkcs1


def rsa_pkcs1(tool, keys):
    for bits in (2048, 3072, 4096):
        key, h, _ = rsa_key(tool, keys, bits=bits)
        msg = os.urandom(100)
        for hash_id, algo in HASHES.items():
            sig = tool.crypt_ok(SIGN, RSA_PKCS, h, hash_id, data=msg)
            mine = key.sign(msg, padding.PKCS1v15(), algo())
            check(sig == mine, "RSA-%d, SHA-%s: not Python's signature" %
                  (bits, algo.name))
            key.public_key().verify(sig, msg, padding.PKCS1v15(), algo())
            tool.crypt_ok(VERIFY, RSA_PKCS, h, hash_id, data=msg, sig=mine)


def rsa_pss(tool, keys):
    key, h, _ = rsa_key(tool, keys)
    msg = os.urandom(100)
    for hash_id, salt in ((SHA256, 32), (SHA384, 0), (SHA512, 20)):
        algo = HASHES[hash_id]()
        pss = padding.PSS(padding.MGF1(algo), salt)
        sig = tool.crypt_ok(SIGN, RSA_PSS, h, hash_id, salt, data=msg)
        key.public_key().verify(sig, msg, pss, algo)
        mine = key.sign(msg, pss, algo)
        tool.crypt_ok(VERIFY, RSA_PSS, h, hash_id, salt, data=msg, sig=mine)


def rsa_oaep(tool, keys):
    key, h, _ = rsa_key(tool, keys)
    for hash_id, algo in HASHES.items():
        msg = os.urandom(40)
        ct = key.public_key().encrypt(msg, padding.OAEP(
            padding.MGF1(algo()), algo(), None))
        out = tool.crypt_ok(DECRYPT, RSA_OAEP, h, hash_id, data=ct)
        check(out == msg, "SHA-%s: another plaintext" % algo.name)


# DER of DigestInfo up to the digest (RFC 8017 9.2, note 1).
DIGEST_INFO = {
    SHA256: bytes.fromhex("3031300d060960864801650304020105000420"),
    SHA384: bytes.fromhex("3041300d060960864801650304020205000430"),
    SHA512: bytes.fromhex("3051300d060960864801650304020305000440"),
}


def prehashed(tool, keys):
    msg = os.urandom(150)
    # ECDSA: the digest signed is the message's signature, and back.
    for ktype, (curve, size, hash_id) in CURVES.items():
        key = ec.generate_private_key(curve())
        h = tool.import_key(ktype, key.private_numbers().private_value
                            .to_bytes(size, "big"))
        algo = HASHES[hash_id]()
        digest = hashlib.new(algo.name, msg).digest()
        sig = tool.crypt_ok(SIGN, ECDSA, h, hash_id, data=digest,
                            flags=PREHASHED)
        key.public_key().verify(der_sig(sig), msg, ec.ECDSA(algo))
        mine = raw_sig(key.sign(msg, ec.ECDSA(algo)), size)
        tool.crypt_ok(VERIFY, ECDSA, h, hash_id, data=digest, sig=mine,
                      flags=PREHASHED)
    key, h, _ = rsa_key(tool, keys)
    for hash_id, algo in HASHES.items():
        digest = hashlib.new(algo.name, msg).digest()
        mine = key.sign(msg, padding.PKCS1v15(), algo())
        # PKCS#1 v1.5: prehashed, and raw over DigestInfo || digest.
        sig = tool.crypt_ok(SIGN, RSA_PKCS, h, hash_id, data=digest,
                            flags=PREHASHED)
        check(sig == mine, "SHA-%s prehashed: not Python's" % algo.name)
        sig = tool.crypt_ok(SIGN, RSA_PKCS, h, 0,
                            data=DIGEST_INFO[hash_id] + digest)
        check(sig == mine, "SHA-%s DigestInfo: not Python's" % algo.name)
        tool.crypt_ok(VERIFY, RSA_PKCS, h, hash_id, data=digest, sig=mine,
                      flags=PREHASHED)
        tool.crypt_ok(VERIFY, RSA_PKCS, h, 0,
                      data=DIGEST_INFO[hash_id] + digest, sig=mine)
        # PSS: prehashed both ways.
        pss = padding.PSS(padding.MGF1(algo()), 32)
        sig = tool.crypt_ok(SIGN, RSA_PSS, h, hash_id, 32, data=digest,
                            flags=PREHASHED)
        key.public_key().verify(sig, msg, pss, algo())
        tool.crypt_ok(VERIFY, RSA_PSS, h, hash_id, 32, data=digest,
                      sig=key.sign(msg, pss, algo()), flags=PREHASHED)
    # Raw PKCS#1 v1.5: Python recovers any T up to k - 11 bytes.
    k = key.key_size // 8
    for n in (1, 35, k - 11):
        t = os.urandom(n)
        sig = tool.crypt_ok(SIGN, RSA_PKCS, h, 0, data=t)
        back = key.public_key().recover_data_from_signature(
            sig, padding.PKCS1v15(), None)
        check(back == t, "%d bytes of T: Python recovers others" % n)


def rsa_generated(tool, _keys):
    """An RSA-2048 pair the kernel made: its public value is the key, and
    its private half, wrapped out, is a valid key of two primes as FIPS
    186-4 B.3.3 asks (OpenSSL's key check when Python loads it)."""
    kek = os.urandom(32)
    k = tool.import_key(AES, kek)
    priv, pub, value, value_priv = tool.ok("genrsa", 2048, EXTRACTABLE)
    check(value == value_priv, "the halves give other public values")
    public = ser.load_der_public_key(bytes.fromhex(value))
    check(public.public_bytes(ser.Encoding.DER, ser.PublicFormat.PKCS1) ==
          bytes.fromhex(value), "the public value is not canonical DER")
    nums = public.public_numbers()
    check(nums.e == 65537 and nums.n.bit_length() == 2048,
          "e %d, %d bits" % (nums.e, nums.n.bit_length()))
    kcv = hashlib.sha256(nums.n.to_bytes(256, "big")).digest()[:3].hex()
    check(tool.ok("kcv", priv)[0] == kcv and tool.ok("kcv", pub)[0] == kcv,
          "the check values are not SHA-256 of the modulus")
    pkcs1 = aes_key_unwrap_with_padding(
        kek, bytes.fromhex(tool.ok("wrap", k, priv)[0]))
    key = ser.load_der_private_key(pkcs1, password=None)
    p = key.private_numbers()
    check(key.private_bytes(ser.Encoding.DER,
                            ser.PrivateFormat.TraditionalOpenSSL,
                            ser.NoEncryption()) == pkcs1,
          "the private key is not canonical DER")
    check(p.public_numbers.n == nums.n, "the halves have other moduli")
    for prime in (p.p, p.q):
        check(prime.bit_length() == 1024 and prime >> 1022 == 3,
              "a prime without its top two bits set")
    check(abs(p.p - p.q) > 1 << (1024 - 100), "p and q too close")
    check(p.d > 1 << 1024 and p.d * 65537 % ((p.p - 1) * (p.q - 1)) == 1,
          "d is not e^-1 mod (p-1)(q-1) above 2^1024")
    check(p.dmp1 == p.d % (p.p - 1) and p.dmq1 == p.d % (p.q - 1) and
          p.iqmp * p.q % p.p == 1, "dP, dQ or qInv wrong")
    msg = os.urandom(100)
    sig = tool.crypt_ok(SIGN, RSA_PKCS, int(priv), SHA256, data=msg)
    public.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256())
    tool.crypt_ok(VERIFY, RSA_PKCS, int(pub), SHA256, data=msg, sig=sig)
    mine = key.sign(msg, padding.PKCS1v15(), hashes.SHA384())
    tool.crypt_ok(VERIFY, RSA_PKCS, int(pub), SHA384, data=msg, sig=mine)
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    sig = tool.crypt_ok(SIGN, RSA_PSS, int(priv), SHA256, 32, data=msg)
    public.verify(sig, msg, pss, hashes.SHA256())
    mine = key.sign(msg, pss, hashes.SHA256())
    tool.crypt_ok(VERIFY, RSA_PSS, int(pub), SHA256, 32, data=msg, sig=mine)
    ret, _ = tool.crypt(VERIFY, RSA_PSS, int(pub), SHA256, 32,
                        data=msg + b"x", sig=mine)
    check(ret == -EBADMSG, "a wrong message verified (%d)" % ret)
    ct = public.encrypt(msg[:40], padding.OAEP(padding.MGF1(hashes.SHA256()),
                                               hashes.SHA256(), None))
    out = tool.crypt_ok(DECRYPT, RSA_OAEP, int(priv), SHA256, data=ct)
    check(out == msg[:40], "OAEP: another plaintext")


def gcm(tool, _keys):
    for size in (16, 32):
        key = os.urandom(size)
        h = tool.import_key(AES, key)
        for n, tag in ((0, 16), (1, 13), (100, 16), (333, 12)):
            iv, aad, msg = os.urandom(12), os.urandom(n % 50), os.urandom(n)
            out = tool.crypt_ok(ENCRYPT, GCM, h, 0, tag, iv, aad, msg)
            dec = Cipher(algorithms.AES(key),
                         modes.GCM(iv, out[-tag:], min_tag_length=tag)
                         ).decryptor()
            dec.authenticate_additional_data(aad)
            check(dec.update(out[:-tag]) + dec.finalize() == msg,
                  "Python decrypts another message")
            enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
            enc.authenticate_additional_data(aad)
            ct = enc.update(msg) + enc.finalize() + enc.tag[:tag]
            back = tool.crypt_ok(DECRYPT, GCM, h, 0, tag, iv, aad, ct)
            check(back == msg, "clonedev decrypts another message")


# Update sizes that cross block boundaries: 1 MiB - 7, 1, 15, 17, 1 MiB.
STREAM_SIZES = "1048569,1,15,17,1048576"


def gcm_stream(tool, op, h, tag, iv, aad, data):
    """data through clonedev's multi-part AES-GCM; (errno, output)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        with open(src, "wb") as f:
            f.write(data)
        ret, values = tool.call("stream", op, GCM, h, tag, iv, aad, src,
                                dst, STREAM_SIZES)
        if ret:
            return ret, None
        with open(dst, "rb") as f:
            out = f.read()
        check(int(values[0]) == len(out), "the length said is not written")
        return 0, out


def gcm_parts(tool, _keys):
    key = os.urandom(32)
    h = tool.import_key(AES, key)
    # 40 MiB, well past the old 16 MiB limit, then a few blocks.
    for n, tag, aad_n in ((40 << 20, 16, 13), (1000, 12, 1)):
        iv, aad, msg = os.urandom(12), os.urandom(aad_n), os.urandom(n)
        enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
        enc.authenticate_additional_data(aad)
        want = enc.update(msg) + enc.finalize() + enc.tag[:tag]
        ret, out = gcm_stream(tool, ENCRYPT, h, tag, iv, aad, msg)
        check(ret == 0, "encrypting %d bytes in parts: errno %d" % (n, -ret))
        check(out == want, "%d bytes in parts: another ciphertext or tag" % n)
        ret, out = gcm_stream(tool, DECRYPT, h, tag, iv, aad, want)
        check(ret == 0, "decrypting %d bytes in parts: errno %d" % (n, -ret))
        check(out == msg, "%d bytes in parts: another plaintext" % n)
        bad = bytearray(want)
        bad[n // 2] ^= 1
        ret, _ = gcm_stream(tool, DECRYPT, h, tag, iv, aad, bytes(bad))
        check(ret == -EBADMSG, "an altered ciphertext decrypted (%d)" % ret)


def cbc(tool, _keys):
    from cryptography.hazmat.primitives import padding as sym
    key = os.urandom(24)
    h = tool.import_key(AES, key)
    for n in (0, 1, 15, 16, 17, 100):
        iv, msg = os.urandom(16), os.urandom(n)
        out = tool.crypt_ok(ENCRYPT, CBC_PAD, h, iv=iv, data=msg)
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        unpad = sym.PKCS7(128).unpadder()
        plain = dec.update(out) + dec.finalize()
        check(unpad.update(plain) + unpad.finalize() == msg,
              "Python decrypts another message (%d bytes)" % n)
        pad = sym.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ct = enc.update(pad.update(msg) + pad.finalize()) + enc.finalize()
        check(ct == out, "another ciphertext (%d bytes)" % n)
        back = tool.crypt_ok(DECRYPT, CBC_PAD, h, iv=iv, data=ct)
        check(back == msg, "clonedev decrypts another message")


def ctr(tool, _keys):
    key = os.urandom(32)
    h = tool.import_key(AES, key)
    # The counter carries across 64 bits, and wraps at 128.
    for iv in (os.urandom(16), bytes(7) + b"\x01" + b"\xff" * 8,
               b"\xff" * 16):
        msg = os.urandom(100)
        out = tool.crypt_ok(ENCRYPT, CTR, h, iv=iv, data=msg)
        enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
        ct = enc.update(msg) + enc.finalize()
        check(out == ct, "another ciphertext for IV " + iv.hex())
        back = tool.crypt_ok(DECRYPT, CTR, h, iv=iv, data=ct)
        check(back == msg, "clonedev decrypts another message")


def macs(tool, _keys):
    secret = os.urandom(70)
    g = tool.import_key(GENERIC, secret)
    msg = os.urandom(300)
    for hash_id, algo in HASHES.items():
        m = hmac.HMAC(secret, algo())
        m.update(msg)
        mine = m.finalize()
        check(tool.crypt_ok(SIGN, HMAC, g, hash_id, data=msg) == mine,
              "HMAC-%s differs" % algo.name)
        tool.crypt_ok(VERIFY, HMAC, g, hash_id, data=msg, sig=mine)
    key = os.urandom(16)
    a = tool.import_key(AES, key)
    c = cmac.CMAC(algorithms.AES(key))
    c.update(msg)
    mine = c.finalize()
    check(tool.crypt_ok(SIGN, CMAC, a, data=msg) == mine, "CMAC differs")
    tool.crypt_ok(VERIFY, CMAC, a, data=msg, sig=mine)


def kwp(tool, keys):
    kek = os.urandom(32)
    k = tool.import_key(AES, kek)
    rsa, r, pkcs1 = rsa_key(tool, keys, EXTRACTABLE)
    ec256 = ec.generate_private_key(ec.SECP256R1())
    d = ec256.private_numbers().private_value.to_bytes(32, "big")
    values = [(AES, os.urandom(16)), (AES, os.urandom(32)),
              (GENERIC, os.urandom(20)), (GENERIC, os.urandom(7)),
              (P256, d)]
    # clonedev wraps, Python unwraps: the bytes imported.
    for ktype, value in values:
        h = tool.import_key(ktype, value, EXTRACTABLE)
        wrapped = bytes.fromhex(tool.ok("wrap", k, h)[0])
        check(aes_key_unwrap_with_padding(kek, wrapped) == value,
              "type %d: Python unwraps other bytes" % ktype)
    wrapped = bytes.fromhex(tool.ok("wrap", k, r)[0])
    check(aes_key_unwrap_with_padding(kek, wrapped) == pkcs1,
          "RSA: Python unwraps another PKCS#1 key")
    # Python wraps, clonedev unwraps: the key check values agree.
    ec384 = ec.generate_private_key(ec.SECP384R1())
    n = rsa.public_key().public_numbers().n
    for ktype, value, kcv in (
            (AES, os.urandom(24), None),
            (GENERIC, os.urandom(33), None),
            (P384, ec384.private_numbers().private_value.to_bytes(48, "big"),
             hashlib.sha256(point_of(ec384)).digest()[:3]),
            (RSA, pkcs1, hashlib.sha256(n.to_bytes((n.bit_length() + 7) // 8,
                                                   "big")).digest()[:3])):
        if ktype == AES:
            kcv = aes_kcv(value)
        elif ktype == GENERIC:
            kcv = hashlib.sha256(value).digest()[:3]
        h = tool.ok("unwrap", k, ktype, aes_key_wrap_with_padding(kek, value))
        got = tool.ok("kcv", h[0])[0]
        check(got == kcv.hex(), "type %d: KCV %s, Python's %s" %
              (ktype, got, kcv.hex()))


def ecdh(tool, _keys):
    for ktype, (curve, size, _) in CURVES.items():
        priv, _pub, point = tool.ok("genpair", ktype)
        mine = ec.generate_private_key(curve())
        z = mine.exchange(ec.ECDH(), ec.EllipticCurvePublicKey
                          .from_encoded_point(curve(), bytes.fromhex(point)))
        g = tool.ok("derive", priv, point_of(mine).hex(), GENERIC, size * 8)
        check(tool.ok("kcv", g[0])[0] == hashlib.sha256(z).hexdigest()[:6],
              "curve %d: the generic secret is not Python's Z" % ktype)
        a = tool.ok("derive", priv, point_of(mine).hex(), AES, 128)
        check(tool.ok("kcv", a[0])[0] == aes_kcv(z[:16]).hex(),
              "curve %d: the AES key is not Z's leftmost bytes" % ktype)


CHECKS = [
    ("ECDSA P-256, P-384: clonedev signs, Python verifies and back", ecdsa),
    ("ECDSA edges: digests 0, n and above n, twenty signatures with one"
     " key both ways, r or s changed, zero or out of range refused",
     ecdsa_edges),
    ("RSA PKCS#1 v1.5 (2048, 3072, 4096 bits): the same signatures as "
     "Python's, both verify",
     rsa_pkcs1),
    ("RSA-PSS: clonedev signs, Python verifies and back", rsa_pss),
    ("RSA-OAEP: Python encrypts, clonedev decrypts", rsa_oaep),
    ("ECDSA, RSA PKCS#1 v1.5 and PSS over a digest (prehashed) and raw"
     " PKCS#1 v1.5: Python's signatures over the message, and back",
     prehashed),
    ("RSA-2048 generated: a valid key, its public object verifies",
     rsa_generated),
    ("AES-GCM: clonedev encrypts, Python decrypts and back", gcm),
    ("AES-GCM in parts (40 MiB in updates of 1 MiB - 7, 1, 15, 17 and"
     " 1 MiB bytes; 1000 bytes): Python's ciphertext and tag, and back;"
     " an altered byte is refused", gcm_parts),
    ("AES-CBC-PAD: clonedev encrypts, Python decrypts and back", cbc),
    ("AES-CTR: clonedev encrypts, Python decrypts and back", ctr),
    ("HMAC and CMAC: the same MACs as Python's", macs),
    ("AES-KWP: clonedev wraps, Python unwraps and back", kwp),
    ("ECDH: clonedev derives what Python's exchange gives", ecdh),
]


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    tool = Tool(sys.argv[1])
    try:
        tool.ok("setup", "xcheck")
    except Failed as e:
        print("FAIL setting up a partition: %s" % e)
        return 1
    failed = 0
    for what, fn in CHECKS:
        try:
            fn(tool, sys.argv[2])
            print("PASS " + what)
        except Exception as e:  # pylint: disable=broad-except
            print("FAIL %s: %s: %s" % (what, type(e).__name__, e))
            failed += 1
        sys.stdout.flush()
    tool.call("delete")
    tool.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
