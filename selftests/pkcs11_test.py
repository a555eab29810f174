#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The PKCS#11 module's refusals and conventions, each with its exact CKR,
through the module's own function list (ctypes, so NULL pointers and
short buffers reach it as a C caller's would), and python3-pykcs11 for
threads and processes sharing one token, and a fork.

Usage: pkcs11_test.py MODULE [--refusals LOCKOUT-SLOT]
Needs slot 1 ("alpha": co co-pw, cu cu-pw, keys ec1 id 01, aes1 id 03,
mac id 05, rsa1 id 07) and slot 3 ("gamma", co co-pw), as
selftests/pkcs11_test.sh makes them. Prints one "ok - ..." or
"not ok - ..." line per check. With --refusals, only the refusals and
bad input run, the lockout on LOCKOUT-SLOT (a partition like gamma): for
a second run with another build of the module."""
import ctypes as C
import os
import sys
import threading

import PyKCS11 as P

from pkcs11_raw import (CKR_ACTION_PROHIBITED, CKA_CLONEDEV_OUID,
                        CKU_CRYPTO_USER, ULONG, Attr, Mech, Raw, check, failed,
                        rv_is)

MODULE = sys.argv[1]
LOCKOUT_SLOT = 3
if len(sys.argv) == 4 and sys.argv[2] == "--refusals":
    LOCKOUT_SLOT = int(sys.argv[3])


def ptr(obj):
    return C.cast(C.byref(obj), C.c_void_p).value


def ulong_p():
    return ULONG(0)


def session(raw, slot=1, rw=True):
    h = ulong_p()
    flags = P.CKF_SERIAL_SESSION | (P.CKF_RW_SESSION if rw else 0)
    rv = raw.OpenSession(slot, flags, None, None, ptr(h))
    check(rv == 0, "C_OpenSession slot %d" % slot)
    return h.value


def login(raw, s, pin=b"co-pw", user=P.CKU_USER):
    return raw.Login(s, user, pin, len(pin) if pin else 5)


def find(raw, s, label):
    lab = C.create_string_buffer(label)
    t = (Attr * 1)(Attr(P.CKA_LABEL, C.cast(lab, C.c_void_p), len(label)))
    h = (ULONG * 4)()
    n = ulong_p()
    raw.FindObjectsInit(s, t, 1)
    raw.FindObjects(s, h, 4, ptr(n))
    raw.FindObjectsFinal(s)
    return list(h[:n.value])


def mech(m, param=None):
    if param is None:
        return Mech(m, None, 0)
    return Mech(m, C.cast(C.pointer(param), C.c_void_p), C.sizeof(param))


def refusals(raw):
    rv_is(raw.GetInfo(None), P.CKR_CRYPTOKI_NOT_INITIALIZED,
          "a call before C_Initialize")
    rv_is(raw.Initialize(None), P.CKR_OK, "C_Initialize")
    rv_is(raw.Initialize(None), P.CKR_CRYPTOKI_ALREADY_INITIALIZED,
          "C_Initialize again")
    rv_is(raw.GetInfo(None), P.CKR_ARGUMENTS_BAD, "C_GetInfo(NULL)")
    rv_is(raw.GetSlotList(0, None, None), P.CKR_ARGUMENTS_BAD,
          "C_GetSlotList with a NULL count")
    n = ulong_p()
    raw.GetSlotList(1, None, ptr(n))
    check(n.value >= 2, "C_GetSlotList counts the partitions")
    one = (ULONG * 1)()
    n1 = ULONG(1)
    rv_is(raw.GetSlotList(1, one, ptr(n1)), P.CKR_BUFFER_TOO_SMALL,
          "C_GetSlotList into a short list")
    check(n1.value == n.value, "and says how long the list is")
    rv_is(raw.GetTokenInfo(99, None), P.CKR_ARGUMENTS_BAD,
          "C_GetTokenInfo(NULL)")
    info = C.create_string_buffer(512)
    rv_is(raw.GetTokenInfo(99, info), P.CKR_SLOT_ID_INVALID,
          "C_GetTokenInfo of no slot")
    rv_is(raw.OpenSession(1, 0, None, None, ptr(n)),
          P.CKR_SESSION_PARALLEL_NOT_SUPPORTED, "a session without SERIAL")
    rv_is(raw.OpenSession(1, P.CKF_SERIAL_SESSION, None, None, None),
          P.CKR_ARGUMENTS_BAD, "C_OpenSession with a NULL handle")
    rv_is(raw.CloseSession(12345), P.CKR_SESSION_HANDLE_INVALID,
          "C_CloseSession of a bad handle")
    rv_is(raw.Sign(777, b"x", 1, None, ptr(n)), P.CKR_SESSION_HANDLE_INVALID,
          "C_Sign on a bad session handle")

    s = session(raw)
    rv_is(raw.GenerateRandom(s, C.create_string_buffer(8), 8),
          P.CKR_USER_NOT_LOGGED_IN, "C_GenerateRandom before login")
    rv_is(login(raw, s, None), P.CKR_ARGUMENTS_BAD, "C_Login with a NULL PIN")
    rv_is(raw.Login(s, 7, b"co-pw", 5), P.CKR_USER_TYPE_INVALID,
          "C_Login as user type 7")
    rv_is(raw.Login(s, P.CKU_USER, b"x" * 200, 200), P.CKR_PIN_LEN_RANGE,
          "a 200-byte PIN")
    rv_is(raw.Logout(s), P.CKR_USER_NOT_LOGGED_IN, "C_Logout before login")
    ro = session(raw, rw=False)
    rv_is(login(raw, s, b"po-pw", P.CKU_SO), P.CKR_SESSION_READ_ONLY_EXISTS,
          "SO login with a read-only session open")
    raw.CloseSession(ro)
    rv_is(login(raw, s), P.CKR_OK, "C_Login as the user (co)")
    rv_is(login(raw, s), P.CKR_USER_ALREADY_LOGGED_IN, "C_Login again")
    rv_is(login(raw, s, b"cu-pw", CKU_CRYPTO_USER),
          P.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "C_Login as the cu then")
    s2 = session(raw)
    buf = C.create_string_buffer(16)
    rv_is(raw.GenerateRandom(s2, buf, 16), P.CKR_OK,
          "a session opened after login shares it")

    ec = find(raw, s, b"ec1")
    aes = find(raw, s, b"aes1")
    check(len(ec) == 2 and len(aes) == 1, "C_FindObjects by label")
    priv = pub = None
    for h in ec:
        cls = ULONG(0)
        a = (Attr * 1)(Attr(P.CKA_CLASS, ptr(cls), 8))
        raw.GetAttributeValue(s, h, a, 1)
        if cls.value == P.CKO_PRIVATE_KEY:
            priv = h
        else:
            pub = h

    # Attributes: sensitive, size query, short buffer, invalid type.
    val = C.create_string_buffer(64)
    lab = C.create_string_buffer(64)
    t = (Attr * 3)(Attr(P.CKA_VALUE, C.cast(val, C.c_void_p), 64),
                   Attr(P.CKA_LABEL, None, 0),
                   Attr(0x7fff1234, C.cast(lab, C.c_void_p), 64))
    rv = raw.GetAttributeValue(s, aes[0], t, 3)
    check(rv in (P.CKR_ATTRIBUTE_SENSITIVE, P.CKR_ATTRIBUTE_TYPE_INVALID),
          "C_GetAttributeValue of a secret key's CKA_VALUE fails (%s)" %
          P.CKR.get(rv))
    check(t[0].ulValueLen == P.CK_UNAVAILABLE_INFORMATION,
          "the sensitive value's length is CK_UNAVAILABLE_INFORMATION")
    check(t[1].ulValueLen == 4, "and the others are processed (label size 4)")
    check(t[2].ulValueLen == P.CK_UNAVAILABLE_INFORMATION,
          "an unknown type is CK_UNAVAILABLE_INFORMATION")
    t = (Attr * 1)(Attr(P.CKA_VALUE, C.cast(val, C.c_void_p), 64))
    rv_is(raw.GetAttributeValue(s, aes[0], t, 1), P.CKR_ATTRIBUTE_SENSITIVE,
          "CKA_VALUE of a secret key")
    t = (Attr * 1)(Attr(P.CKA_LABEL, C.cast(lab, C.c_void_p), 2))
    rv_is(raw.GetAttributeValue(s, aes[0], t, 1), P.CKR_BUFFER_TOO_SMALL,
          "CKA_LABEL into 2 bytes")
    t = (Attr * 1)(Attr(CKA_CLONEDEV_OUID, C.cast(lab, C.c_void_p), 64))
    rv_is(raw.GetAttributeValue(s, aes[0], t, 1), P.CKR_OK,
          "the vendor attribute CKA_CLONEDEV_OUID")
    check(t[0].ulValueLen == 16, "the OUID is 16 bytes")
    rv_is(raw.GetAttributeValue(s, 0x7ffffff0, t, 1),
          P.CKR_OBJECT_HANDLE_INVALID, "C_GetAttributeValue of a bad handle")
    rv_is(raw.GetAttributeValue(s, aes[0], None, 1), P.CKR_ARGUMENTS_BAD,
          "C_GetAttributeValue with a NULL template")
    rv_is(raw.SetAttributeValue(s, aes[0], t, 1), CKR_ACTION_PROHIBITED,
          "C_SetAttributeValue of an unmodifiable key")

    # Mechanisms and keys.
    m = mech(P.CKM_SHA256_RSA_PKCS)
    rv_is(raw.SignInit(s, ptr(m), 0x7ffffff0), P.CKR_KEY_HANDLE_INVALID,
          "C_SignInit with a bad key handle")
    m = mech(0x7fff0001)
    rv_is(raw.SignInit(s, ptr(m), priv), P.CKR_MECHANISM_INVALID,
          "C_SignInit with an unknown mechanism")
    m = mech(P.CKM_SHA256_RSA_PKCS)
    rv_is(raw.SignInit(s, ptr(m), priv), P.CKR_KEY_TYPE_INCONSISTENT,
          "an RSA mechanism with an EC key")
    m = mech(P.CKM_AES_CMAC)
    mac = find(raw, s, b"mac")
    rv_is(raw.SignInit(s, ptr(m), mac[0]), P.CKR_KEY_TYPE_INCONSISTENT,
          "AES-CMAC with a generic secret")
    m = mech(P.CKM_ECDSA_SHA256)
    rv_is(raw.SignInit(s, None, priv), P.CKR_ARGUMENTS_BAD,
          "C_SignInit with a NULL mechanism")
    rv_is(raw.SignInit(s, ptr(m), pub), P.CKR_KEY_TYPE_INCONSISTENT,
          "signing with a public key")
    rv_is(raw.SignFinal(s, None, ptr(n)), P.CKR_OPERATION_NOT_INITIALIZED,
          "C_SignFinal with no operation")
    rv_is(raw.SignInit(s, ptr(m), priv), P.CKR_OK, "C_SignInit ECDSA-SHA256")
    rv_is(raw.SignInit(s, ptr(m), priv), P.CKR_OPERATION_ACTIVE,
          "C_SignInit again: CKR_OPERATION_ACTIVE")
    e = mech(P.CKM_AES_CBC_PAD, (C.c_ubyte * 16)())
    rv_is(raw.EncryptInit(s, ptr(e), aes[0]), P.CKR_OPERATION_ACTIVE,
          "C_EncryptInit while signing")
    n = ULONG(0)
    rv_is(raw.Sign(s, b"hello", 5, None, ptr(n)), P.CKR_OK,
          "C_Sign length query")
    check(n.value == 64, "a P-256 signature is 64 bytes")
    small = C.create_string_buffer(10)
    n = ULONG(10)
    rv_is(raw.Sign(s, b"hello", 5, small, ptr(n)), P.CKR_BUFFER_TOO_SMALL,
          "C_Sign into 10 bytes")
    check(n.value == 64, "says 64 bytes are needed")
    sig = C.create_string_buffer(64)
    n = ULONG(64)
    rv_is(raw.Sign(s, b"hello", 5, sig, ptr(n)), P.CKR_OK,
          "the operation stayed active: C_Sign then works")
    rv_is(raw.Sign(s, b"hello", 5, sig, ptr(n)),
          P.CKR_OPERATION_NOT_INITIALIZED, "and ended")
    raw.VerifyInit(s, ptr(m), pub)
    rv_is(raw.Verify(s, b"hello", 5, sig, 64), P.CKR_OK,
          "C_Verify with the public key")
    raw.VerifyInit(s, ptr(m), pub)
    rv_is(raw.Verify(s, b"hellO", 5, sig, 64), P.CKR_SIGNATURE_INVALID,
          "C_Verify of other data")
    raw.VerifyInit(s, ptr(m), pub)
    rv_is(raw.Verify(s, b"hello", 5, sig, 10), P.CKR_SIGNATURE_LEN_RANGE,
          "C_Verify of a 10-byte signature")
    raw.SignInit(s, ptr(m), priv)
    rv_is(raw.Sign(s, None, 5, sig, ptr(n)), P.CKR_ARGUMENTS_BAD,
          "C_Sign of NULL data")
    raw.SignInit(s, ptr(m), priv)
    rv_is(raw.Sign(s, b"x", 1, sig, None), P.CKR_ARGUMENTS_BAD,
          "C_Sign with a NULL length")

    # A usage flag the key lacks: the public key does not sign; the EC
    # key does not encrypt.
    rv_is(raw.EncryptInit(s, ptr(e), priv), P.CKR_KEY_TYPE_INCONSISTENT,
          "AES-CBC with an EC key")
    t = (Attr * 1)(Attr(P.CKA_ENCRYPT, None, 0))
    cbc = mech(P.CKM_AES_CBC_PAD, (C.c_ubyte * 15)())
    rv_is(raw.EncryptInit(s, ptr(cbc), aes[0]), P.CKR_MECHANISM_PARAM_INVALID,
          "AES-CBC with a 15-byte IV")

    # Multi-part encryption with size queries that keep it going.
    rv_is(raw.EncryptInit(s, ptr(e), aes[0]), P.CKR_OK, "C_EncryptInit CBC")
    out = C.create_string_buffer(64)
    n = ULONG(0)
    rv_is(raw.EncryptUpdate(s, b"a" * 20, 20, None, ptr(n)), P.CKR_OK,
          "C_EncryptUpdate length query")
    n = ULONG(64)
    rv_is(raw.EncryptUpdate(s, b"a" * 20, 20, out, ptr(n)), P.CKR_OK,
          "C_EncryptUpdate")
    first = n.value
    n = ULONG(0)
    rv_is(raw.EncryptFinal(s, None, ptr(n)), P.CKR_OK,
          "C_EncryptFinal length query")
    n = ULONG(64)
    rv_is(raw.EncryptFinal(s, C.byref(out, first), ptr(n)), P.CKR_OK,
          "C_EncryptFinal")
    check(first + n.value == 32, "20 bytes make 32 of CBC-PAD")
    ct = out.raw[:32]
    raw.DecryptInit(s, ptr(e), aes[0])
    pt = C.create_string_buffer(32)
    n = ULONG(32)
    rv_is(raw.Decrypt(s, ct, 32, pt, ptr(n)), P.CKR_OK, "C_Decrypt")
    check(pt.raw[:n.value] == b"a" * 20, "gives the plaintext back")
    raw.DecryptInit(s, ptr(e), aes[0])
    n = ULONG(32)
    rv_is(raw.Decrypt(s, ct[:31], 31, pt, ptr(n)),
          P.CKR_ENCRYPTED_DATA_LEN_RANGE, "C_Decrypt of 31 bytes")

    # AES-GCM with a wrong tag.
    iv = (C.c_ubyte * 12)(*range(12))

    class Gcm(C.Structure):
        _fields_ = [("pIv", C.c_void_p), ("ulIvLen", ULONG),
                    ("ulIvBits", ULONG), ("pAAD", C.c_void_p),
                    ("ulAADLen", ULONG), ("ulTagBits", ULONG)]
    g = Gcm(C.cast(iv, C.c_void_p), 12, 96, None, 0, 128)
    gm = mech(P.CKM_AES_GCM, g)
    raw.EncryptInit(s, ptr(gm), aes[0])
    n = ULONG(64)
    rv_is(raw.Encrypt(s, b"secret", 6, out, ptr(n)), P.CKR_OK, "AES-GCM")
    ct = bytearray(out.raw[:n.value])
    ct[-1] ^= 1
    raw.DecryptInit(s, ptr(gm), aes[0])
    n = ULONG(64)
    rv_is(raw.Decrypt(s, bytes(ct), len(ct), pt, ptr(n)),
          P.CKR_ENCRYPTED_DATA_INVALID, "AES-GCM with a changed tag")

    # AES-GCM in parts: an update gives the whole blocks so far (the
    # length query says exactly that), the final call the rest and the
    # tag; decryption gives everything at the final call, whose two-call
    # length convention holds.
    msg = bytes(range(25))
    raw.EncryptInit(s, ptr(gm), aes[0])
    one = C.create_string_buffer(64)
    n = ULONG(64)
    rv_is(raw.Encrypt(s, msg, 25, one, ptr(n)), P.CKR_OK, "AES-GCM of 25")
    want = one.raw[:n.value]
    got = b""
    raw.EncryptInit(s, ptr(gm), aes[0])
    for piece, size in ((msg[:20], 16), (msg[20:], 0)):
        n = ULONG(0)
        rv_is(raw.EncryptUpdate(s, piece, len(piece), None, ptr(n)),
              P.CKR_OK, "AES-GCM C_EncryptUpdate length query")
        check(n.value == size, "the query says %d, not %d" % (n.value, size))
        part = C.create_string_buffer(64)
        n = ULONG(64)
        rv_is(raw.EncryptUpdate(s, piece, len(piece), part, ptr(n)),
              P.CKR_OK, "AES-GCM C_EncryptUpdate")
        check(n.value == size, "an update gives %d, not %d" % (n.value, size))
        got += part.raw[:n.value]
    n = ULONG(0)
    rv_is(raw.EncryptFinal(s, None, ptr(n)), P.CKR_OK,
          "AES-GCM C_EncryptFinal length query")
    check(n.value == 9 + 16, "the final query says %d" % n.value)
    part = C.create_string_buffer(64)
    rv_is(raw.EncryptFinal(s, part, ptr(n)), P.CKR_OK, "AES-GCM C_EncryptFinal")
    got += part.raw[:n.value]
    check(got == want, "AES-GCM in parts is the one-shot ciphertext")
    for tamper in (False, True):
        ct = bytearray(want)
        if tamper:
            ct[3] ^= 1
        raw.DecryptInit(s, ptr(gm), aes[0])
        for piece in (bytes(ct[:30]), bytes(ct[30:])):
            n = ULONG(64)
            rv_is(raw.DecryptUpdate(s, piece, len(piece), part, ptr(n)),
                  P.CKR_OK, "AES-GCM C_DecryptUpdate")
            check(n.value == 0, "a decrypting update gives no plaintext")
        n = ULONG(0)
        rv_is(raw.DecryptFinal(s, None, ptr(n)), P.CKR_OK,
              "AES-GCM C_DecryptFinal length query")
        check(n.value == 25, "the final query says %d, not 25" % n.value)
        n = ULONG(10)
        rv_is(raw.DecryptFinal(s, part, ptr(n)), P.CKR_BUFFER_TOO_SMALL,
              "AES-GCM C_DecryptFinal with 10 bytes of room")
        check(n.value == 25, "too small: %d needed, not 25" % n.value)
        C.memset(part, 0xa5, 64)
        n = ULONG(64)
        rv = raw.DecryptFinal(s, part, ptr(n))
        if tamper:
            rv_is(rv, P.CKR_ENCRYPTED_DATA_INVALID,
                  "AES-GCM in parts with a changed byte")
            check(part.raw == b"\xa5" * 64, "no plaintext of a bad tag")
        else:
            rv_is(rv, P.CKR_OK, "AES-GCM C_DecryptFinal")
            check(part.raw[:n.value] == msg, "AES-GCM in parts decrypts")
    g.ulIvLen = 16
    rv_is(raw.EncryptInit(s, ptr(gm), aes[0]), P.CKR_MECHANISM_PARAM_INVALID,
          "AES-GCM with a 16-byte IV")

    # Templates.
    cls = ULONG(P.CKO_SECRET_KEY)
    kt = ULONG(P.CKK_AES)
    vl = ULONG(20)
    tt = C.c_ubyte(1)
    t = (Attr * 4)(Attr(P.CKA_CLASS, ptr(cls), 8),
                   Attr(P.CKA_KEY_TYPE, ptr(kt), 8),
                   Attr(P.CKA_VALUE_LEN, ptr(vl), 8),
                   Attr(P.CKA_TOKEN, ptr(tt), 1))
    g = mech(P.CKM_AES_KEY_GEN)
    k = ulong_p()
    rv_is(raw.GenerateKey(s, ptr(g), t, 4, ptr(k)),
          P.CKR_ATTRIBUTE_VALUE_INVALID, "an AES key of 20 bytes")
    rv_is(raw.GenerateKey(s, ptr(g), t, 2, ptr(k)), P.CKR_TEMPLATE_INCOMPLETE,
          "an AES key without CKA_VALUE_LEN")
    t[2].ulValueLen = 4
    rv_is(raw.GenerateKey(s, ptr(g), t, 3, ptr(k)),
          P.CKR_ATTRIBUTE_VALUE_INVALID, "a CKA_VALUE_LEN of 4 bytes")
    t[2].ulValueLen = 8
    t[3] = Attr(0x7fff0042, ptr(tt), 1)
    rv_is(raw.GenerateKey(s, ptr(g), t, 4, ptr(k)),
          P.CKR_ATTRIBUTE_TYPE_INVALID, "an unknown attribute")
    rv_is(raw.GenerateKey(s, ptr(g), None, 4, ptr(k)), P.CKR_ARGUMENTS_BAD,
          "a NULL template")
    rv_is(raw.GenerateKey(s, ptr(g), t, 3, None), P.CKR_ARGUMENTS_BAD,
          "a NULL key handle")
    rv_is(raw.CreateObject(s, None, 3, ptr(k)), P.CKR_ARGUMENTS_BAD,
          "C_CreateObject with a NULL template")
    # A type given twice with two values; a key value past 4 GiB (once
    # cut to its low 32 bits): refused, and nothing made.
    vl.value = 16
    no, yes = C.c_ubyte(0), C.c_ubyte(1)
    ref = b"refused"
    rlab = C.create_string_buffer(ref)
    t2 = (Attr * 6)(t[0], t[1], t[2],
                    Attr(P.CKA_LABEL, C.cast(rlab, C.c_void_p), len(ref)),
                    Attr(P.CKA_EXTRACTABLE, ptr(yes), 1),
                    Attr(P.CKA_EXTRACTABLE, ptr(no), 1))
    rv_is(raw.GenerateKey(s, ptr(g), t2, 6, ptr(k)),
          P.CKR_TEMPLATE_INCONSISTENT, "CKA_EXTRACTABLE true and false")
    kv = C.create_string_buffer(16)
    t2[2] = Attr(P.CKA_VALUE, C.cast(kv, C.c_void_p), (1 << 32) + 16)
    rv_is(raw.CreateObject(s, t2, 4, ptr(k)), P.CKR_ATTRIBUTE_VALUE_INVALID,
          "an AES key value of 4 GiB and 16 bytes")
    check(find(raw, s, ref) == [], "neither made a key")
    vl.value = 16
    rv_is(raw.GenerateKey(s, ptr(g), t, 3, ptr(k)), P.CKR_OK,
          "an AES-128 session key")
    sess_key = k.value
    rv_is(raw.DestroyObject(s, 0x7ffffff0), P.CKR_OBJECT_HANDLE_INVALID,
          "C_DestroyObject of a bad handle")

    # The digest, with its own size conventions.
    d = mech(P.CKM_SHA256)
    rv_is(raw.DigestInit(s, ptr(d)), P.CKR_OK, "C_DigestInit SHA-256")
    rv_is(raw.DigestInit(s, ptr(d)), P.CKR_OPERATION_ACTIVE,
          "C_DigestInit again")
    n = ULONG(8)
    rv_is(raw.Digest(s, b"abc", 3, out, ptr(n)), P.CKR_BUFFER_TOO_SMALL,
          "C_Digest into 8 bytes")
    n = ULONG(64)
    rv_is(raw.Digest(s, b"abc", 3, out, ptr(n)), P.CKR_OK, "then C_Digest")
    check(out.raw[:n.value].hex() == "ba7816bf8f01cfea414140de5dae2223"
          "b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc")
    d = mech(P.CKM_MD5)
    rv_is(raw.DigestInit(s, ptr(d)), P.CKR_MECHANISM_INVALID, "MD5")

    # Logout and the sessions of the token.
    rv_is(raw.Logout(s2), P.CKR_OK, "C_Logout on the second session")
    rv_is(raw.GenerateRandom(s, buf, 16), P.CKR_USER_NOT_LOGGED_IN,
          "logs the first out too")
    login(raw, s)
    rv_is(raw.CloseSession(s2), P.CKR_OK, "C_CloseSession")
    rv_is(raw.CloseSession(s2), P.CKR_SESSION_HANDLE_INVALID,
          "C_CloseSession twice")
    s3 = session(raw)
    rv_is(raw.GetAttributeValue(s3, sess_key, t, 0), P.CKR_OK,
          "a session object is seen from other sessions")
    raw.CloseSession(s)
    raw.CloseSession(s3)
    s = session(raw)
    rv_is(login(raw, s), P.CKR_OK, "the last session closed ended the login")
    rv_is(raw.GetAttributeValue(s, sess_key, t, 0),
          P.CKR_OBJECT_HANDLE_INVALID,
          "and its session's objects are gone")

    # Wrong PINs through the lockout, on gamma.
    g3 = session(raw, slot=LOCKOUT_SLOT)
    info = C.create_string_buffer(512)

    def token_flags():
        raw.GetTokenInfo(LOCKOUT_SLOT, info)
        return ULONG.from_buffer(info, 32 + 32 + 16 + 16).value
    rv_is(login(raw, g3, b"wrong"), P.CKR_PIN_INCORRECT, "a wrong PIN")
    check(token_flags() & P.CKF_USER_PIN_COUNT_LOW,
          "the token says CKF_USER_PIN_COUNT_LOW")
    for _ in range(9):
        login(raw, g3, b"wrong")
    rv_is(login(raw, g3), P.CKR_PIN_LOCKED,
          "ten wrong PINs, then the right one: CKR_PIN_LOCKED")
    check(token_flags() & P.CKF_USER_PIN_LOCKED,
          "the token says CKF_USER_PIN_LOCKED")
    raw.CloseAllSessions(1)
    raw.CloseAllSessions(3)
    rv_is(raw.Finalize(None), P.CKR_OK, "C_Finalize")
    rv_is(raw.Finalize(None), P.CKR_CRYPTOKI_NOT_INITIALIZED,
          "C_Finalize twice")


def forked(raw):
    raw.Initialize(None)
    s = session(raw)
    login(raw, s)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        n = ulong_p()
        if raw.OpenSession(1, P.CKF_SERIAL_SESSION, None, None, ptr(n)) != \
                P.CKR_CRYPTOKI_NOT_INITIALIZED:
            code |= 1
        if raw.GenerateRandom(s, C.create_string_buffer(4), 4) != \
                P.CKR_CRYPTOKI_NOT_INITIALIZED:
            code |= 2
        if raw.Initialize(None) != 0:
            code |= 4
        if raw.OpenSession(1, P.CKF_SERIAL_SESSION, None, None, ptr(n)) or \
                raw.GenerateRandom(n.value, C.create_string_buffer(4), 4) != \
                P.CKR_USER_NOT_LOGGED_IN:
            code |= 8
        if login(raw, n.value) or \
                raw.GenerateRandom(n.value, C.create_string_buffer(4), 4):
            code |= 16
        raw.Finalize(None)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    check(code == 0, "fork: the child gets CKR_CRYPTOKI_NOT_INITIALIZED, "
          "not its parent's login, then works after C_Initialize (%d)" % code)
    rv_is(raw.GenerateRandom(s, C.create_string_buffer(4), 4), P.CKR_OK,
          "the parent's session and login are untouched")
    raw.Finalize(None)


def pykcs11_work(rounds, results, i):
    """One thread's or process's share: its own session on the token."""
    lib = PYLIB
    try:
        s = lib.openSession(1, P.CKF_SERIAL_SESSION)
        key = s.findObjects([(P.CKA_LABEL, "ec1"),
                             (P.CKA_CLASS, P.CKO_PRIVATE_KEY)])[0]
        pub = s.findObjects([(P.CKA_LABEL, "ec1"),
                             (P.CKA_CLASS, P.CKO_PUBLIC_KEY)])[0]
        aes = s.findObjects([(P.CKA_LABEL, "aes1")])[0]
        m = P.Mechanism(P.CKM_ECDSA_SHA256)
        for r in range(rounds):
            data = os.urandom(100 + r)
            sig = s.sign(key, data, m)
            assert s.verify(pub, data, sig, m)
            cm = P.Mechanism(P.CKM_AES_CBC_PAD, bytes(16))
            assert bytes(s.decrypt(aes, s.encrypt(aes, data, cm), cm)) == data
        s.closeSession()
        results[i] = True
    except Exception as e:  # pylint: disable=broad-except
        print("# worker %d: %r" % (i, e))
        results[i] = False


PYLIB = None


def threads_and_processes():
    global PYLIB
    PYLIB = P.PyKCS11Lib()
    PYLIB.load(MODULE)
    s = PYLIB.openSession(1, P.CKF_SERIAL_SESSION)
    s.login("co-pw")
    worker = os.fork()
    if worker == 0:
        # The second process: its own C_Initialize and login.
        os.execv(sys.executable, [sys.executable, sys.argv[0], MODULE,
                                  "--worker"])
    results = [None] * 8
    ts = [threading.Thread(target=pykcs11_work, args=(5, results, i))
          for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check(all(results), "eight threads, a session each, sign, verify, "
          "encrypt and decrypt on one token at once")
    _, status = os.waitpid(worker, 0)
    check(os.waitstatus_to_exitcode(status) == 0,
          "and another process at the same time")
    s.logout()
    s.closeSession()


def against_software():
    """ECDH, RSA-OAEP and AES-GCM checked with python3-cryptography."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    lib = P.PyKCS11Lib()
    lib.load(MODULE)
    s = lib.openSession(1, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    s.login("co-pw")
    ec1 = s.findObjects([(P.CKA_LABEL, "ec1"),
                         (P.CKA_CLASS, P.CKO_PRIVATE_KEY)])[0]
    point = bytes(s.getAttributeValue(ec1, [P.CKA_EC_POINT])[0])
    mine = ec.generate_private_key(ec.SECP256R1())
    peer = mine.public_key().public_bytes(
        serialization.Encoding.X962,
        serialization.PublicFormat.UncompressedPoint)
    key = s.deriveKey(ec1, [(P.CKA_CLASS, P.CKO_SECRET_KEY),
                            (P.CKA_KEY_TYPE, P.CKK_AES),
                            (P.CKA_VALUE_LEN, 32), (P.CKA_ENCRYPT, True),
                            (P.CKA_DECRYPT, True)],
                      P.ECDH1_DERIVE_Mechanism(peer))
    token_pub = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), point[2:])
    shared = mine.exchange(ec.ECDH(), token_pub)
    iv = bytes(range(16))
    ct = bytes(s.encrypt(key, b"derived key test",
                         P.Mechanism(P.CKM_AES_CBC_PAD, iv)))
    dec = Cipher(algorithms.AES(shared[:32]), modes.CBC(iv)).decryptor()
    pt = dec.update(ct) + dec.finalize()
    check(pt[:16] == b"derived key test",
          "ECDH1_DERIVE: the AES key is the shared x-coordinate, as "
          "python3-cryptography computes it")
    sensitive = s.getAttributeValue(key, [P.CKA_SENSITIVE])[0]
    check(sensitive, "the derived key is sensitive")

    rsa1 = s.findObjects([(P.CKA_LABEL, "rsa1"),
                          (P.CKA_CLASS, P.CKO_PRIVATE_KEY)])[0]
    n, e = s.getAttributeValue(rsa1, [P.CKA_MODULUS, P.CKA_PUBLIC_EXPONENT])
    pub = rsa.RSAPublicNumbers(int.from_bytes(bytes(e), "big"),
                               int.from_bytes(bytes(n), "big")).public_key()
    check(pub.key_size == 2048, "CKA_MODULUS of the RSA key: 2048 bits")
    ct = pub.encrypt(b"oaep message", padding.OAEP(
        padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    pt = s.decrypt(rsa1, ct, P.RSAOAEPMechanism(P.CKM_SHA256,
                                                P.CKG_MGF1_SHA256))
    check(bytes(pt) == b"oaep message",
          "RSA-OAEP: python3-cryptography encrypts, the token decrypts")

    aes = s.findObjects([(P.CKA_LABEL, "aes1")])[0]
    iv = os.urandom(12)
    ct = bytes(s.encrypt(aes, b"x" * 1000,
                         P.AES_GCM_Mechanism(iv, b"aad", 128)))
    k = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                       (P.CKA_KEY_TYPE, P.CKK_AES), (P.CKA_VALUE_LEN, 16),
                       (P.CKA_EXTRACTABLE, True)])
    kek = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                         (P.CKA_KEY_TYPE, P.CKK_AES),
                         (P.CKA_VALUE_LEN, 32), (P.CKA_WRAP, True),
                         (P.CKA_UNWRAP, True)])
    wrapped = s.wrapKey(kek, k, P.Mechanism(P.CKM_AES_KEY_WRAP_PAD))
    check(len(wrapped) == 24, "AES_KEY_WRAP_PAD of an AES-128 key: 24 bytes")
    k2 = s.unwrapKey(kek, wrapped, [(P.CKA_CLASS, P.CKO_SECRET_KEY),
                                    (P.CKA_KEY_TYPE, P.CKK_AES)],
                     P.Mechanism(P.CKM_AES_KEY_WRAP_PAD))
    kcv = [s.getAttributeValue(h, [P.CKA_CHECK_VALUE])[0] for h in (k, k2)]
    check(kcv[0] == kcv[1], "the unwrapped key has the wrapped key's KCV")
    pt = bytes(s.decrypt(aes, ct, P.AES_GCM_Mechanism(iv, b"aad", 128)))
    check(pt == b"x" * 1000, "AES-GCM round trip")
    ct2 = bytearray(ct)
    ct2[0] ^= 1
    try:
        s.decrypt(aes, bytes(ct2), P.AES_GCM_Mechanism(iv, b"aad", 128))
        rv = P.CKR_OK
    except P.PyKCS11Error as err:
        rv = err.value
    rv_is(rv, P.CKR_ENCRYPTED_DATA_INVALID, "AES-GCM of changed ciphertext")
    mod = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                         (P.CKA_KEY_TYPE, P.CKK_AES), (P.CKA_VALUE_LEN, 16),
                         (P.CKA_MODIFIABLE, True), (P.CKA_EXTRACTABLE, True),
                         (P.CKA_LABEL, "before")])
    s.setAttributeValue(mod, [(P.CKA_LABEL, "after"), (P.CKA_ID, b"\x42"),
                              (P.CKA_EXTRACTABLE, False),
                              (P.CKA_ENCRYPT, False)])
    got = s.getAttributeValue(mod, [P.CKA_LABEL, P.CKA_ID, P.CKA_EXTRACTABLE,
                                    P.CKA_ENCRYPT, P.CKA_DECRYPT])
    check(got[0] == "after" and bytes(got[1]) == b"\x42" and not got[2] and
          not got[3] and got[4], "C_SetAttributeValue of a modifiable key: "
          "label, id, CKA_EXTRACTABLE and CKA_ENCRYPT to false")
    fixed = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                           (P.CKA_KEY_TYPE, P.CKK_AES), (P.CKA_VALUE_LEN, 16),
                           (P.CKA_MODIFIABLE, False),
                           (P.CKA_EXTRACTABLE, False)])
    never = [s.getAttributeValue(h, [P.CKA_NEVER_EXTRACTABLE])[0]
             for h in (mod, fixed, k)]
    check(never == [False, True, False], "CKA_NEVER_EXTRACTABLE: false for "
          "a modifiable key made non-extractable, true for a key made "
          "neither, false for an extractable key (got %s)" % never)
    for attr, desc in ((P.CKA_EXTRACTABLE, "CKA_EXTRACTABLE back to true"),
                       (P.CKA_CLASS, "CKA_CLASS")):
        try:
            s.setAttributeValue(mod, [(attr, True if attr == P.CKA_EXTRACTABLE
                                       else P.CKO_DATA)])
            rv = P.CKR_OK
        except P.PyKCS11Error as err:
            rv = err.value
        rv_is(rv, P.CKR_ATTRIBUTE_READ_ONLY, "C_SetAttributeValue of " + desc)
    s.logout()
    s.closeSession()


def main():
    if "--worker" in sys.argv:
        global PYLIB
        PYLIB = P.PyKCS11Lib()
        PYLIB.load(MODULE)
        s = PYLIB.openSession(1, P.CKF_SERIAL_SESSION)
        s.login("cu-pw", user_type=CKU_CRYPTO_USER)
        results = [None]
        pykcs11_work(10, results, 0)
        sys.exit(0 if results[0] else 1)
    raw = Raw(MODULE)
    check(raw.rv == 0, "C_GetFunctionList")
    refusals(raw)
    if LOCKOUT_SLOT != 3:
        sys.exit(1 if failed() else 0)
    forked(raw)
    threads_and_processes()
    against_software()
    sys.exit(1 if failed() else 0)


main()
