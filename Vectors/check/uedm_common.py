"""Shared helpers of the UEDM/1 vector checker: case-field access, verdicts, and the primitives
(HKDF, X25519) that every family recomputes with more than one library.

Nothing here uses the project's Swift code, nor the x3dh/doubleratchet packages.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import uuid
from typing import Any, Coroutine

import nacl.bindings as sodium
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519 as ossl_x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PROTOCOL = "UEDM/1"
P = 2**255 - 19  # field prime of Curve25519 / Ed25519
Q = 2**252 + 27742317777372353535851937790883648493  # order of the prime subgroup
MAX_OP = 2**31 - 1
MAX_SEQ = 2**63 - 1
MAX_KEY_ID = 2**31 - 1


class CaseFailure(Exception):
    """The case does not hold (or is malformed); the message is the reason."""


# ---------------------------------------------------------------------------
# field access helpers


_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def field(case: dict, name: str) -> Any:
    if name not in case:
        raise CaseFailure(f"malformed case: missing field `{name}`")
    return case[name]


def hexbytes(case: dict, name: str, size: int | None = None) -> bytes:
    value = field(case, name)
    return hex_value(value, name, size)


def hex_value(value: Any, name: str, size: int | None = None) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise CaseFailure(f"malformed case: `{name}` is not lowercase hex")
    raw = bytes.fromhex(value)
    if size is not None and len(raw) != size:
        raise CaseFailure(f"malformed case: `{name}` has {len(raw)} bytes, expected {size}")
    return raw


def integer(case: dict, name: str) -> int:
    value = field(case, name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CaseFailure(f"malformed case: `{name}` is not an integer")
    return value


def uuid_bytes(case: dict, name: str) -> bytes:
    value = field(case, name)
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise CaseFailure(f"malformed case: `{name}` is not a canonical UUID string")
    return uuid.UUID(value).bytes


def uuid_text(value: Any) -> uuid.UUID | None:
    """A UUID string in the hyphenated 8-4-4-4-12 form, either letter case; None when it is not one."""
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        return None
    return uuid.UUID(value)


def optional_hexbytes(case: dict, name: str, size: int | None = None) -> bytes | None:
    """A hex field that may be null (it must still be present)."""
    return None if field(case, name) is None else hexbytes(case, name, size)


def expected_result(case: dict) -> str:
    """`valid` or `invalid`; a case without `result` is a `valid` one."""
    result = case.get("result", "valid")
    if result not in ("valid", "invalid"):
        raise CaseFailure(f"malformed case: `result` is {result!r}, not \"valid\"/\"invalid\"")
    return result


def same(name: str, got: Any, want: Any) -> None:
    if got != want:
        if isinstance(got, bytes):
            got = got.hex()
        if isinstance(want, bytes):
            want = want.hex()
        raise CaseFailure(f"{name} mismatch: expected {want!r}, recomputed {got!r}")


def verdict(result: str, ok: bool, why: str) -> None:
    """Compare the recomputed verdict (ok, with the reason `why`) with `result`."""
    if result == "valid" and not ok:
        raise CaseFailure(f"expected valid, recomputed invalid ({why})")
    if result == "invalid" and ok:
        raise CaseFailure(f"expected invalid, recomputed valid ({why})")


# ---------------------------------------------------------------------------
# primitives, each recomputed by two independent libraries where possible


def hkdf_hmac(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) written out on the standard library's hmac/hashlib only."""
    if not 0 <= length <= 255 * 32:
        raise ValueError(f"HKDF-SHA-256 cannot derive {length} bytes")
    prk = hmac.new(salt if salt else b"\x00" * 32, ikm, hashlib.sha256).digest()
    t, out, counter = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([counter]), hashlib.sha256).digest()
        out += t
        counter += 1
    return out[:length]


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 with `cryptography`, cross-checked against hmac/hashlib (RFC 5869)."""
    okm = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)
    if hkdf_hmac(ikm, salt, info, length) != okm:
        raise CaseFailure("internal cross-check: cryptography HKDF != hmac/hashlib HKDF")
    return okm


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def clamp(k: bytes) -> bytes:
    b = bytearray(k)
    b[0] &= 248
    b[31] &= 127
    b[31] |= 64
    return bytes(b)


def x25519_reference(k: bytes, u: bytes) -> bytes:
    """Plain-integer Montgomery ladder (RFC 7748 section 5); returns even an all-zero result."""
    scalar = int.from_bytes(clamp(k), "little")
    x1 = (int.from_bytes(u, "little") & ((1 << 255) - 1)) % P
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    for bit in range(254, -1, -1):
        kb = (scalar >> bit) & 1
        if swap ^ kb:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kb
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3 = (da + cb) * (da + cb) % P
        z3 = x1 * (da - cb) * (da - cb) % P
        x2 = aa * bb % P
        z2 = e * (aa + 121665 * e) % P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def x25519_all(private: bytes, public: bytes) -> bytes | None:
    """X25519 by libsodium, OpenSSL and the reference ladder; None when the result is all-zero.

    Raises CaseFailure if the three disagree."""
    ref = x25519_reference(private, public)
    try:
        nacl_out: bytes | None = sodium.crypto_scalarmult(private, public)
    except RuntimeError:  # libsodium refuses an all-zero output
        nacl_out = None
    try:
        ossl_out: bytes | None = ossl_x25519.X25519PrivateKey.from_private_bytes(private).exchange(
            ossl_x25519.X25519PublicKey.from_public_bytes(public)
        )
    except ValueError:  # OpenSSL refuses an all-zero output too
        ossl_out = None
    ref_out = None if ref == b"\x00" * 32 else ref
    if not (nacl_out == ossl_out == ref_out):
        show = lambda v: "error" if v is None else v.hex()  # noqa: E731
        raise CaseFailure(
            "internal cross-check: X25519 libraries disagree "
            f"(libsodium {show(nacl_out)}, OpenSSL {show(ossl_out)}, reference {show(ref_out)})"
        )
    return nacl_out


def dh(private: bytes, public: bytes, what: str) -> bytes:
    out = x25519_all(private, public)
    if out is None:
        raise CaseFailure(f"{what}: X25519 result is all-zero")
    return out


def x25519_public(private: bytes) -> bytes:
    pub = sodium.crypto_scalarmult_base(private)
    other = ossl_x25519.X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
    if pub != other:
        raise CaseFailure("internal cross-check: X25519 public key differs between libsodium and OpenSSL")
    return pub



def u32be(value: int) -> bytes:
    return value.to_bytes(4, "big")


def flip_last_bit(raw: bytes) -> bytes:
    """VECTORS.md's tamper: flip the lowest bit of the last byte."""
    if not raw:
        raise CaseFailure("malformed case: cannot tamper with an empty byte string")
    return raw[:-1] + bytes([raw[-1] ^ 0x01])


_LOOP: asyncio.AbstractEventLoop | None = None


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run one coroutine of the (async) x3dh/doubleratchet packages to completion."""
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
    return _LOOP.run_until_complete(coroutine)
