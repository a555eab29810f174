# SPDX-License-Identifier: GPL-2.0
"""The PKCS#11 module's own function list through ctypes, for
pkcs11_test.py and pkcs11_ha_test.py: every argument reaches the module
as a C caller's would (NULL pointers, short buffers). And their checks:
one "ok - ..." or "not ok - ..." line each, the failures counted in
failed()."""
import ctypes as C

import PyKCS11 as P

ULONG = C.c_ulong
CKU_CRYPTO_USER = 0x80000001
CKA_CLONEDEV_OUID = P.CKA_VENDOR_DEFINED | 0x434c0001
# PKCS#11 v2.40 values python3-pykcs11 may lack.
CKR_ACTION_PROHIBITED = 0x1B
NAMES_CKR = {CKR_ACTION_PROHIBITED: "CKR_ACTION_PROHIBITED"}
_FAILED = [0]


def check(cond, desc):
    print(("ok - " if cond else "not ok - ") + desc, flush=True)
    if not cond:
        _FAILED[0] += 1


def failed():
    return _FAILED[0]


def rv_is(got, want, desc):
    def name(rv):
        return NAMES_CKR.get(rv) or P.CKR.get(rv, hex(rv))
    check(got == want, "%s: %s (got %s)" % (desc, name(want), name(got)))

# CK_FUNCTION_LIST after its version, in the standard's order.
NAMES = """Initialize Finalize GetInfo GetFunctionList GetSlotList GetSlotInfo
GetTokenInfo GetMechanismList GetMechanismInfo InitToken InitPIN SetPIN
OpenSession CloseSession CloseAllSessions GetSessionInfo GetOperationState
SetOperationState Login Logout CreateObject CopyObject DestroyObject
GetObjectSize GetAttributeValue SetAttributeValue FindObjectsInit
FindObjects FindObjectsFinal EncryptInit Encrypt EncryptUpdate EncryptFinal
DecryptInit Decrypt DecryptUpdate DecryptFinal DigestInit Digest
DigestUpdate DigestKey DigestFinal SignInit Sign SignUpdate SignFinal
SignRecoverInit SignRecover VerifyInit Verify VerifyUpdate VerifyFinal
VerifyRecoverInit VerifyRecover DigestEncryptUpdate DecryptDigestUpdate
SignEncryptUpdate DecryptVerifyUpdate GenerateKey GenerateKeyPair WrapKey
UnwrapKey DeriveKey SeedRandom GenerateRandom GetFunctionStatus
CancelFunction WaitForSlotEvent""".split()


class FunctionList(C.Structure):
    _fields_ = [("major", C.c_ubyte), ("minor", C.c_ubyte)] + \
        [(n, C.c_void_p) for n in NAMES]


class Attr(C.Structure):
    _fields_ = [("type", ULONG), ("pValue", C.c_void_p),
                ("ulValueLen", ULONG)]


class Mech(C.Structure):
    _fields_ = [("mechanism", ULONG), ("pParameter", C.c_void_p),
                ("ulParameterLen", ULONG)]


class Raw:
    """The module's functions: every argument a 64-bit value or pointer.
    self.rv is what C_GetFunctionList returned."""

    def __init__(self, path):
        lib = C.CDLL(path)
        fl = C.POINTER(FunctionList)()
        self.rv = lib.C_GetFunctionList(C.byref(fl))
        self.fl = fl.contents if self.rv == 0 else None

    def __getattr__(self, name):
        ptr = getattr(self.fl, name)

        def call(*args):
            fn = C.CFUNCTYPE(ULONG, *[C.c_void_p] * len(args))(ptr)
            return fn(*[a if a is None or isinstance(a, int) else
                        C.cast(a, C.c_void_p) for a in args])
        return call
