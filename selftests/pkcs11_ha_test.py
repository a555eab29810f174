#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The slot of an HA group in the PKCS#11 module (docs/pkcs11.md, "HA
groups"), through the module's own function list (ctypes).

Usage: pkcs11_ha_test.py MODULE SERIAL
Needs the group "G" of slots 1 and 2 (co co-pw on both, the first
member's partition serial SERIAL) in $CLONEDEV_HAGROUP_FILE, with the EC
key pair "ec" (id 01) on both members, as selftests/pkcs11_ha_test.sh
makes them. Prints one "ok - ..." or "not ok - ..." line per check; the
last check deletes the partition in slot 1 in the middle of a session.
"""
import ctypes as C
import subprocess
import sys

import PyKCS11 as P

from pkcs11_raw import (CKA_CLONEDEV_OUID, CKU_CRYPTO_USER, ULONG, Attr, Mech,
                        Raw, check, failed, rv_is)

MODULE, SERIAL = sys.argv[1], sys.argv[2]
HA_SLOT = 0x80000000


def ptr(obj):
    return C.cast(C.byref(obj), C.c_void_p).value


class Template:
    """A CK_ATTRIBUTE array from (type, value) pairs: bool, int or bytes."""

    def __init__(self, pairs):
        self.keep = []
        self.arr = (Attr * max(len(pairs), 1))()
        self.n = len(pairs)
        for i, (t, v) in enumerate(pairs):
            if isinstance(v, bool):
                b = C.create_string_buffer(bytes([v]), 1)
            elif isinstance(v, int):
                b = ULONG(v)
            else:
                b = C.create_string_buffer(v, len(v))
            self.keep.append(b)
            self.arr[i] = Attr(t, C.cast(C.byref(b), C.c_void_p).value,
                               C.sizeof(b))


def session(raw, slot):
    h = ULONG(0)
    rv = raw.OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION,
                         None, None, ptr(h))
    check(rv == P.CKR_OK, "C_OpenSession on slot %#x" % slot)
    return h.value


def login(raw, s, pin=b"co-pw", user=P.CKU_USER):
    return raw.Login(s, user, pin, len(pin))


def find(raw, s, pairs):
    t = Template(pairs)
    h = (ULONG * 16)()
    n = ULONG(0)
    raw.FindObjectsInit(s, t.arr, t.n)
    raw.FindObjects(s, h, 16, ptr(n))
    raw.FindObjectsFinal(s)
    return list(h[:n.value])


def attr(raw, s, h, t, size=256):
    buf = C.create_string_buffer(size)
    a = (Attr * 1)(Attr(t, C.cast(buf, C.c_void_p).value, size))
    rv = raw.GetAttributeValue(s, h, a, 1)
    return rv, buf.raw[:a[0].ulValueLen] if rv == P.CKR_OK else None


def one_shot(raw, init, fn, s, m, key, data, out_size=4096):
    """C_xInit and C_x: (rv, output)."""
    rv = init(s, ptr(m), key)
    if rv:
        return rv, None
    out = C.create_string_buffer(out_size)
    n = ULONG(out_size)
    rv = fn(s, data, len(data), out, ptr(n))
    return rv, out.raw[:n.value]


def sign(raw, s, m, key, data):
    return one_shot(raw, raw.SignInit, raw.Sign, s, m, key, data)


def generate(raw, s, label, kt=P.CKK_AES, mech=P.CKM_AES_KEY_GEN, token=True,
             usage=P.CKA_ENCRYPT):
    m = Mech(mech, None, 0)
    t = Template([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, kt),
                  (P.CKA_VALUE_LEN, 32), (P.CKA_TOKEN, token),
                  (P.CKA_LABEL, label), (usage, True),
                  (P.CKA_MODIFIABLE, True)])
    h = ULONG(0)
    rv = raw.GenerateKey(s, ptr(m), t.arr, t.n, ptr(h))
    return rv, h.value


def token_info(raw, slot):
    info = C.create_string_buffer(512)
    rv = raw.GetTokenInfo(slot, info)
    return (rv, info.raw[0:32].decode().rstrip(),
            info.raw[80:96].decode().rstrip(),
            ULONG.from_buffer(info, 96).value)


def listing(raw):
    n = ULONG(0)
    raw.GetSlotList(1, None, ptr(n))
    ids = (ULONG * n.value)()
    raw.GetSlotList(1, ids, ptr(n))
    check(HA_SLOT in list(ids) and 1 in list(ids) and 2 in list(ids),
          "C_GetSlotList: the partitions' slots and the group's %#x" %
          HA_SLOT)
    rv, label, serial, flags = token_info(raw, HA_SLOT)
    check(rv == P.CKR_OK and label == "G",
          "the HA token's label is the group's (%r)" % label)
    check(serial == "1" + SERIAL,
          "its serial is 1 and the first member's (%r)" % serial)
    want = P.CKF_LOGIN_REQUIRED | P.CKF_TOKEN_INITIALIZED | \
        P.CKF_USER_PIN_INITIALIZED
    check(flags & want == want and not flags & P.CKF_RNG,
          "its flags: login required, initialized, user PIN, no RNG")
    sinfo = C.create_string_buffer(256)
    raw.GetSlotInfo(HA_SLOT, sinfo)
    check(sinfo.raw[:64].decode().rstrip() == "clonedev HA group G" and
          ULONG.from_buffer(sinfo, 96).value & P.CKF_TOKEN_PRESENT,
          "C_GetSlotInfo: the group's slot, its token present")
    mi = C.create_string_buffer(64)
    rv_is(raw.GetMechanismInfo(HA_SLOT, P.CKM_ECDSA_SHA256, mi), P.CKR_OK,
          "the HA slot offers ECDSA-SHA256")
    for m, name in ((P.CKM_ECDH1_DERIVE, "ECDH1-DERIVE"),
                    (P.CKM_EC_KEY_PAIR_GEN, "EC key pairs"),
                    (P.CKM_AES_KEY_WRAP_PAD, "AES key wrap")):
        rv_is(raw.GetMechanismInfo(HA_SLOT, m, mi), P.CKR_MECHANISM_INVALID,
              "and not " + name)


def logins(raw, s):
    rv_is(login(raw, s, b"po-pw", P.CKU_SO), P.CKR_USER_TYPE_INVALID,
          "CKU_SO on the HA slot")
    rv_is(login(raw, s, b"co-pw", CKU_CRYPTO_USER), P.CKR_USER_TYPE_INVALID,
          "CKU_CRYPTO_USER on the HA slot")
    rv_is(login(raw, s, b"wrong"), P.CKR_PIN_INCORRECT,
          "a wrong PIN on the HA slot")
    check(not find(raw, s, []), "no object shows before the login")
    rv_is(login(raw, s), P.CKR_OK, "CKU_USER with the members' co password")
    rv_is(login(raw, s), P.CKR_USER_ALREADY_LOGGED_IN, "and again")


def refusals(raw, s, ec_priv):
    buf = C.create_string_buffer(16)
    h = ULONG(0)
    rv_is(raw.GenerateRandom(s, buf, 16), P.CKR_FUNCTION_NOT_SUPPORTED,
          "C_GenerateRandom on the HA slot")
    m = Mech(P.CKM_EC_KEY_PAIR_GEN, None, 0)
    t = Template([(P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107"))])
    rv_is(raw.GenerateKeyPair(s, ptr(m), t.arr, t.n, None, 0, ptr(h),
                              ptr(h)),
          P.CKR_FUNCTION_NOT_SUPPORTED, "C_GenerateKeyPair on the HA slot")
    t = Template([(P.CKA_CLASS, P.CKO_DATA), (P.CKA_VALUE, b"data")])
    rv_is(raw.CreateObject(s, t.arr, t.n, ptr(h)),
          P.CKR_FUNCTION_NOT_SUPPORTED, "C_CreateObject on the HA slot")
    rv_is(raw.DestroyObject(s, ec_priv), P.CKR_FUNCTION_NOT_SUPPORTED,
          "C_DestroyObject on the HA slot")
    t = Template([(P.CKA_LABEL, b"renamed")])
    rv_is(raw.SetAttributeValue(s, ec_priv, t.arr, t.n),
          P.CKR_FUNCTION_NOT_SUPPORTED, "C_SetAttributeValue on the HA slot")
    rv_is(raw.InitPIN(s, b"x", 1), P.CKR_FUNCTION_NOT_SUPPORTED,
          "C_InitPIN on the HA slot")
    rv_is(raw.SetPIN(s, b"co-pw", 5, b"new", 3), P.CKR_FUNCTION_NOT_SUPPORTED,
          "C_SetPIN on the HA slot")
    peer = bytes.fromhex("0441") + bytes(65)
    prm = (ULONG * 5)(P.CKD_NULL, 0, 0, len(peer), 0)
    pb = C.create_string_buffer(peer, len(peer))
    prm[4] = C.cast(pb, C.c_void_p).value
    m = Mech(P.CKM_ECDH1_DERIVE, C.cast(prm, C.c_void_p).value,
             C.sizeof(prm))
    t = Template([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                  (P.CKA_KEY_TYPE, P.CKK_AES)])
    rv_is(raw.DeriveKey(s, ptr(m), ec_priv, t.arr, t.n, ptr(h)),
          P.CKR_FUNCTION_NOT_SUPPORTED, "C_DeriveKey on the HA slot")
    m = Mech(P.CKM_AES_KEY_WRAP_PAD, None, 0)
    n = ULONG(512)
    out = C.create_string_buffer(512)
    rv_is(raw.WrapKey(s, ptr(m), ec_priv, ec_priv, out, ptr(n)),
          P.CKR_FUNCTION_NOT_SUPPORTED, "C_WrapKey on the HA slot")
    rv_is(generate(raw, s, b"session", token=False)[0],
          P.CKR_TEMPLATE_INCONSISTENT,
          "C_GenerateKey of a session key on the HA slot")


def main():
    raw = Raw(MODULE)
    rv_is(raw.rv, P.CKR_OK, "C_GetFunctionList")
    rv_is(raw.Initialize(None), P.CKR_OK, "C_Initialize")
    listing(raw)
    s = session(raw, HA_SLOT)
    logins(raw, s)
    m1 = session(raw, 1)
    m2 = session(raw, 2)
    login(raw, m1)
    login(raw, m2)

    ec = find(raw, s, [(P.CKA_LABEL, b"ec"), (P.CKA_CLASS, P.CKO_PRIVATE_KEY)])
    ec_pub = find(raw, s, [(P.CKA_LABEL, b"ec"),
                           (P.CKA_CLASS, P.CKO_PUBLIC_KEY)])
    check(len(ec) == 1 and len(ec_pub) == 1,
          "C_FindObjects on the HA slot finds the members' EC key pair")
    ec, ec_pub = ec[0], ec_pub[0]
    check(find(raw, s, [(P.CKA_LABEL, b"ec"),
                        (P.CKA_CLASS, P.CKO_PRIVATE_KEY)]) == [ec],
          "the same handle each time")
    refusals(raw, s, ec)

    # A key generated through the HA slot is on both members, one OUID.
    rv, key = generate(raw, s, b"hakey")
    rv_is(rv, P.CKR_OK, "C_GenerateKey AES-256 on the HA slot")
    _, ouid = attr(raw, s, key, CKA_CLONEDEV_OUID)
    on = [find(raw, m, [(CKA_CLONEDEV_OUID, ouid)]) for m in (m1, m2)]
    check(ouid and len(on[0]) == 1 and len(on[1]) == 1,
          "it is on both members under its OUID")
    check(attr(raw, m2, on[1][0], P.CKA_LABEL)[1] == b"hakey",
          "with its label")
    check(attr(raw, m1, on[0][0], P.CKA_CHECK_VALUE)[1] ==
          attr(raw, s, key, P.CKA_CHECK_VALUE)[1],
          "and its check value")

    # CBC: multi-part on the HA slot, one-shot on a member.
    iv = C.create_string_buffer(bytes(range(16)), 16)
    cbc = Mech(P.CKM_AES_CBC_PAD, C.cast(iv, C.c_void_p).value, 16)
    data = bytes(range(256)) * 5
    rv_is(raw.EncryptInit(s, ptr(cbc), key), P.CKR_OK, "C_EncryptInit")
    out = C.create_string_buffer(4096)
    got = b""
    for i in range(0, len(data), 500):
        n = ULONG(4096)
        rv = raw.EncryptUpdate(s, data[i:i + 500], len(data[i:i + 500]),
                               out, ptr(n))
        got += out.raw[:n.value]
    n = ULONG(0)
    rv = raw.EncryptFinal(s, None, ptr(n))
    check(rv == P.CKR_OK and n.value == 1296,
          "C_EncryptFinal's length query: all the ciphertext (%d)" % n.value)
    rv = raw.EncryptFinal(s, out, ptr(n))
    got += out.raw[:n.value]
    rv_is(rv, P.CKR_OK, "C_EncryptUpdate x3 and C_EncryptFinal")
    rv, plain = one_shot(raw, raw.DecryptInit, raw.Decrypt, m2, cbc,
                         on[1][0], got)
    check(rv == P.CKR_OK and plain == data,
          "a member decrypts the multi-part ciphertext")
    rv, plain = one_shot(raw, raw.DecryptInit, raw.Decrypt, s, cbc, key, got)
    check(rv == P.CKR_OK and plain == data, "and so does the HA slot")
    raw.EncryptInit(s, ptr(cbc), key)
    big = C.create_string_buffer(1 << 20)
    n = ULONG(0)
    rv_is(raw.EncryptUpdate(s, big, 1 << 20, out, ptr(n)), P.CKR_OK,
          "a 1 MiB part")
    rv_is(raw.EncryptUpdate(s, b"x", 1, out, ptr(n)), P.CKR_DATA_LEN_RANGE,
          "one byte more than the multi-part limit")
    rv_is(raw.EncryptFinal(s, out, ptr(n)), P.CKR_OPERATION_NOT_INITIALIZED,
          "which ended the operation")

    # HMAC, multi-part on the HA slot against a member's one-shot.
    rv, mac = generate(raw, s, b"mac", P.CKK_GENERIC_SECRET,
                       P.CKM_GENERIC_SECRET_KEY_GEN, usage=P.CKA_SIGN)
    rv_is(rv, P.CKR_OK, "C_GenerateKey of a generic secret on the HA slot")
    _, mouid = attr(raw, s, mac, CKA_CLONEDEV_OUID)
    hm = Mech(P.CKM_SHA256_HMAC, None, 0)
    raw.SignInit(s, ptr(hm), mac)
    raw.SignUpdate(s, data[:700], 700)
    raw.SignUpdate(s, data[700:], len(data) - 700)
    sig = C.create_string_buffer(32)
    n = ULONG(32)
    rv_is(raw.SignFinal(s, sig, ptr(n)), P.CKR_OK,
          "C_SignUpdate x2 and C_SignFinal, SHA256-HMAC")
    m1mac = find(raw, m1, [(CKA_CLONEDEV_OUID, mouid)])
    rv, want = sign(raw, m1, hm, m1mac[0], data)
    check(rv == P.CKR_OK and want == sig.raw[:n.value],
          "the MAC is the member's")
    raw.VerifyInit(s, ptr(hm), mac)
    raw.VerifyUpdate(s, data, len(data))
    rv_is(raw.VerifyFinal(s, sig, 32), P.CKR_OK,
          "C_VerifyUpdate and C_VerifyFinal")
    raw.VerifyInit(s, ptr(hm), mac)
    raw.VerifyUpdate(s, data[1:], len(data) - 1)
    rv_is(raw.VerifyFinal(s, sig, 32), P.CKR_SIGNATURE_INVALID,
          "and of other data")

    # The operations go to both members: member 2's copy of a key may not
    # sign, so its turns come back refused by its own partition.
    rv, sp = generate(raw, s, b"spread", P.CKK_GENERIC_SECRET,
                      P.CKM_GENERIC_SECRET_KEY_GEN, usage=P.CKA_SIGN)
    _, souid = attr(raw, s, sp, CKA_CLONEDEV_OUID)
    m2sp = find(raw, m2, [(CKA_CLONEDEV_OUID, souid)])
    t = Template([(P.CKA_SIGN, False)])
    rv_is(raw.SetAttributeValue(m2, m2sp[0], t.arr, t.n), P.CKR_OK,
          "member 2's copy of a key set not to sign")
    results = [sign(raw, s, hm, sp, b"turn")[0] for _ in range(4)]
    check(results.count(P.CKR_OK) == 2 and
          results.count(P.CKR_KEY_FUNCTION_NOT_PERMITTED) == 2,
          "four signatures on the HA slot: two by member 1, two refused by "
          "member 2 (%s)" % [P.CKR.get(r, r) for r in results])

    # A member goes away in the middle of the session.
    ecdsa = Mech(P.CKM_ECDSA_SHA256, None, 0)
    rv, sig1 = sign(raw, s, ecdsa, ec, b"before")
    rv_is(rv, P.CKR_OK, "ECDSA-SHA256 on the HA slot")
    raw.CloseSession(m1)
    r = subprocess.run(["clonectl", "partition", "delete", "-slot", "1",
                        "-force"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    check(r.returncode == 0, "the partition of member 1 deleted " +
          r.stderr.decode().strip())
    results = []
    for i in range(6):
        msg = b"after %d" % i
        rv, sg = sign(raw, s, ecdsa, ec, msg)
        if rv == P.CKR_OK:
            rv = raw.VerifyInit(s, ptr(ecdsa), ec_pub) or \
                raw.Verify(s, msg, len(msg), sg, len(sg))
        results.append(rv)
    check(results == [P.CKR_OK] * 6,
          "six signatures after, each verified: all served by member 2 (%s)"
          % [P.CKR.get(r, r) for r in results])
    rv, plain = one_shot(raw, raw.DecryptInit, raw.Decrypt, s, cbc, key, got)
    check(rv == P.CKR_OK and plain == data, "a decryption after")
    check(attr(raw, s, key, P.CKA_LABEL)[1] == b"hakey",
          "the key's attributes, read from member 2")
    rv, k2 = generate(raw, s, b"later")
    rv_is(rv, P.CKR_OK, "C_GenerateKey after")
    _, o2 = attr(raw, s, k2, CKA_CLONEDEV_OUID)
    check(len(find(raw, m2, [(CKA_CLONEDEV_OUID, o2)])) == 1,
          "the new key is on member 2")
    rv_is(raw.Logout(s), P.CKR_OK, "C_Logout")
    check(not find(raw, s, []), "no object shows after it")
    raw.CloseSession(s)
    raw.CloseSession(m2)
    rv_is(raw.Finalize(None), P.CKR_OK, "C_Finalize")
    sys.exit(1 if failed() else 0)


main()
