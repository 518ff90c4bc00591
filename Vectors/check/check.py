#!/usr/bin/env python3
"""Independent checker for the UEDM/1 test vectors (format: shared design VECTORS.md).

Every expected value is recomputed here with PyNaCl (libsodium), `cryptography`
(OpenSSL), `xeddsa` (libxeddsa) and hashlib -- never with the project's Swift code.
X3DH and the Double Ratchet are in addition run through the published `x3dh` and
`doubleratchet` packages, bent to UEDM/1 (their notes say how, and where they cannot be).

Modules: uedm_common.py (case fields, HKDF, X25519), uedm_x3dh.py (`x3dh`),
uedm_ratchet.py (`ratchet`), uedm_envelope.py (`envelope`), uedm_link.py (`link`, with its self-test),
uedm_authorization.py
(`device_authorization`, with its self-test), uedm_selftest.py (their self-tests); the other families live in
this file.

    check.py [VECTORS_DIR]     check every *.json below VECTORS_DIR (default: ..)
    check.py --selftest        prove the checker can both pass and fail cases

Output: one line per failing case (`file: case <id>: reason`), then `N passed, N failed`.
A file that cannot be parsed, is not a UEDM/1 vector file, or names an unknown family
counts as one failure. Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any, Callable

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing
import xeddsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from uedm_common import (
    MAX_KEY_ID, MAX_OP, MAX_SEQ, PROTOCOL, P, Q, CaseFailure, clamp, expected_result, field, hex_value,
    hexbytes, hkdf_sha256, integer, same, uuid_bytes, verdict, x25519_all, x25519_public,
)
from uedm_authorization import check_device_authorization
from uedm_envelope import check_envelope
from uedm_link import check_link
from uedm_ratchet import check_ratchet
from uedm_selftest import run_selftests
from uedm_x3dh import check_x3dh


# ---------------------------------------------------------------------------
# XEdDSA, recomputed by libxeddsa and by the spec's steps on libsodium


def xeddsa_sign_spec(k: bytes, message: bytes, nonce: bytes) -> bytes:
    """XEdDSA signing written from PROTOCOL.md section 1 (k is already clamped)."""
    e = sodium.crypto_scalarmult_ed25519_base_noclamp(k)
    if e[31] & 0x80 == 0:
        a = k  # not reduced mod q
    else:
        a = ((Q - int.from_bytes(k, "little") % Q) % Q).to_bytes(32, "little")
    big_a = e[:31] + bytes([e[31] & 0x7F])
    r = int.from_bytes(hashlib.sha512(b"\xfe" + b"\xff" * 31 + a + message + nonce).digest(), "little") % Q
    big_r = sodium.crypto_scalarmult_ed25519_base_noclamp(r.to_bytes(32, "little"))
    h = int.from_bytes(hashlib.sha512(big_r + big_a + message).digest(), "little") % Q
    s = (r + h * int.from_bytes(a, "little")) % Q
    return big_r + s.to_bytes(32, "little")


def xeddsa_verify(public: bytes, message: bytes, signature: bytes) -> tuple[bool, str]:
    """The verification rules of PROTOCOL.md section 1, in order; returns (accepted, rule)."""
    if len(public) != 32:
        return False, f"public key has {len(public)} bytes, not 32"
    if len(signature) != 64:
        return False, f"signature has {len(signature)} bytes, not 64"
    u = int.from_bytes(public, "little")
    if u >= P:
        return False, "rule 1: public u >= p (non-canonical or bit 255 set)"
    s = int.from_bytes(signature[32:], "little")
    if s >= Q:
        return False, "rule 2: s >= q (non-canonical s)"
    y = (u - 1) * pow((u + 1) % P, P - 2, P) % P
    ed_public = y.to_bytes(32, "little")  # sign bit 0 since y < p < 2^255
    lib_public = xeddsa.curve25519_pub_to_ed25519_pub(public, False)
    if lib_public != ed_public:
        raise CaseFailure(
            f"internal cross-check: y=(u-1)/(u+1) gives {ed_public.hex()}, libxeddsa {lib_public.hex()}"
        )
    if not sodium.crypto_core_ed25519_is_valid_point(ed_public):
        return False, "rule 3: Edwards A fails crypto_core_ed25519_is_valid_point"
    try:
        nacl.signing.VerifyKey(ed_public).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False, "rule 4: Ed25519 verification failed"
    return True, "all rules passed"


def check_xeddsa_sign(private: bytes, message: bytes, nonce: bytes, public: bytes, signature: bytes,
                      public_name: str) -> None:
    """A sign case: recompute the public key and the signature, and the signature must verify."""
    k = clamp(private)
    pub = xeddsa.priv_to_curve25519_pub(k)
    if pub != x25519_public(private):
        raise CaseFailure("internal cross-check: libxeddsa public key != libsodium X25519 public key")
    same(public_name, pub, public)
    # libxeddsa's ed25519_priv_sign is plain Ed25519 signing with the scalar as given; XEdDSA's
    # "A has sign bit 0" step is its priv_force_sign(k, False) (k, or q - k mod q).
    sig = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(k, False), message, nonce)
    spec_sig = xeddsa_sign_spec(k, message, nonce)
    if sig != spec_sig:
        raise CaseFailure(f"internal cross-check: libxeddsa signature {sig.hex()} != spec signature {spec_sig.hex()}")
    same("signature", sig, signature)
    ok, why = xeddsa_verify(public, message, signature)
    if not ok:
        raise CaseFailure(f"signature does not verify ({why})")
    if not xeddsa.ed25519_verify(signature, xeddsa.curve25519_pub_to_ed25519_pub(public, False), message):
        raise CaseFailure("internal cross-check: libxeddsa does not verify the signature")


# ---------------------------------------------------------------------------
# families: each takes one case and raises CaseFailure when it does not hold


def check_hkdf(case: dict) -> None:
    result = expected_result(case)
    ikm, salt, info = hexbytes(case, "ikm"), hexbytes(case, "salt"), hexbytes(case, "info")
    length = integer(case, "length")
    if not 0 <= length <= 255 * 32:
        verdict(result, False, f"length {length} outside 0...8160")
        return
    okm = hkdf_sha256(ikm, salt, info, length)
    verdict(result, True, "HKDF succeeded")
    same("okm", okm, hexbytes(case, "okm"))


def check_x25519(case: dict) -> None:
    result = expected_result(case)
    private, public = hexbytes(case, "private", 32), hexbytes(case, "public", 32)
    shared = x25519_all(private, public)
    verdict(result, shared is not None, "all-zero result" if shared is None else "non-zero result")
    if shared is not None:
        same("shared", shared, hexbytes(case, "shared", 32))


def check_xeddsa(case: dict) -> None:
    result = expected_result(case)
    message = hexbytes(case, "message")
    if case.get("private") is not None:
        if result != "valid":
            raise CaseFailure("malformed case: a sign case cannot be invalid")
        check_xeddsa_sign(hexbytes(case, "private", 32), message, hexbytes(case, "nonce", 64),
                          hexbytes(case, "public", 32), hexbytes(case, "signature", 64), "public")
        return
    if "result" not in case:
        raise CaseFailure("malformed case: verify-only case without `result`")
    ok, why = xeddsa_verify(hexbytes(case, "public"), message, hexbytes(case, "signature"))
    verdict(result, ok, why)


def spk_message(device_id: bytes, key_id: int, spk_public: bytes) -> bytes:
    return b"UEDM1 SPK" + device_id + key_id.to_bytes(4, "big") + spk_public


def check_spk_signature(case: dict) -> None:
    result = expected_result(case)
    device_id = uuid_bytes(case, "device_id")
    key_id = integer(case, "key_id")
    spk_public = hexbytes(case, "spk_public")
    signing = case.get("identity_private") is not None
    if not signing and "result" not in case:
        raise CaseFailure("malformed case: verify-only case without `result`")
    if not 1 <= key_id <= MAX_KEY_ID:
        verdict(result, False, f"key_id {key_id} outside 1...2^31-1")
        return
    if len(spk_public) != 32:
        verdict(result, False, f"spk_public has {len(spk_public)} bytes, not 32")
        return
    message = spk_message(device_id, key_id, spk_public)
    if signing:
        verdict(result, True, "a well-formed sign case always signs")
        check_xeddsa_sign(hexbytes(case, "identity_private", 32), message, hexbytes(case, "nonce", 64),
                          hexbytes(case, "identity_public", 32), hexbytes(case, "signature", 64),
                          "identity_public")
        return
    ok, why = xeddsa_verify(hexbytes(case, "identity_public"), message, hexbytes(case, "signature"))
    verdict(result, ok, why)


class _Pairs(dict):
    """A JSON object that remembers which keys were given more than once."""

    duplicates: set


def _pairs_hook(pairs: list) -> _Pairs:
    obj = _Pairs()
    obj.duplicates = set()
    for key, value in pairs:
        if key in obj:
            obj.duplicates.add(key)
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_frame(text: str) -> tuple[dict | None, str]:
    """PROTOCOL.md section 9. Returns ({op, s, t}, "") for a frame, (None, reason) otherwise."""
    try:
        obj = json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant)
    except ValueError as err:  # JSONDecodeError included
        return None, f"not JSON: {err}"
    if not isinstance(obj, dict):
        return None, f"JSON {type(obj).__name__}, not an object"
    twice = obj.duplicates & {"op", "s", "t", "d"}
    if twice:
        return None, f"key(s) given twice: {sorted(twice)}"

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if obj.get("op") is None:
        return None, "missing op"
    op = obj["op"]
    if not is_int(op) or not 0 <= op <= MAX_OP:
        return None, f"op {op!r} is not an integer in 0...2^31-1"
    s = obj.get("s")
    if s is not None and (not is_int(s) or not 0 <= s <= MAX_SEQ):
        return None, f"s {s!r} is not an integer in 0...2^63-1"
    t = obj.get("t")
    if t is not None and not isinstance(t, str):
        return None, f"t {t!r} is not a string"
    return {"op": op, "s": s, "t": t}, "a frame"


def check_frame(case: dict) -> None:
    result = expected_result(case)
    text = field(case, "json")
    if not isinstance(text, str):
        raise CaseFailure("malformed case: `json` is not a string")
    frame, why = parse_frame(text)
    verdict(result, frame is not None, why)
    if frame is None:
        return
    want_op = field(case, "op")
    same("op", frame["op"], want_op)
    same("s", frame["s"], case.get("s"))
    same("t", frame["t"], case.get("t"))


def fingerprint(user: bytes, keys: list[bytes]) -> str:
    joined = b"".join(sorted(keys))
    h = b"\x00\x00" + joined + user
    for _ in range(5200):
        h = hashlib.sha512(h + joined).digest()
    return "".join(f"{int.from_bytes(h[i:i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5))


def check_safety_number(case: dict) -> None:
    result = expected_result(case)
    prints = []
    for side in ("x", "y"):
        user = uuid_bytes(case, f"user_{side}")
        keys = field(case, f"keys_{side}")
        if not isinstance(keys, list):
            raise CaseFailure(f"malformed case: `keys_{side}` is not a list")
        raw = [hex_value(k, f"keys_{side}[{i}]") for i, k in enumerate(keys)]
        bad = [len(k) for k in raw if len(k) != 32]
        if not raw or bad:
            verdict(result, False, f"keys_{side} must be a non-empty list of 32-byte keys")
            return
        prints.append(fingerprint(user, raw))
    verdict(result, True, "safety number computed")
    same("fingerprint_x", prints[0], field(case, "fingerprint_x"))
    same("fingerprint_y", prints[1], field(case, "fingerprint_y"))
    same("safety_number", "".join(sorted(prints)), field(case, "safety_number"))


FAMILIES: dict[str, Callable[[dict], None]] = {
    "hkdf": check_hkdf,
    "x25519": check_x25519,
    "xeddsa": check_xeddsa,
    "spk_signature": check_spk_signature,
    "frame": check_frame,
    "x3dh": check_x3dh,
    "ratchet": check_ratchet,
    "envelope": check_envelope,
    "safety_number": check_safety_number,
    "link": check_link,
    "device_authorization": check_device_authorization,
}


# ---------------------------------------------------------------------------
# files and the run


def check_document(name: str, text: str) -> tuple[int, int, list[str]]:
    """Check one vector file's text; returns (passed, failed, failure lines)."""
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        return 0, 1, [f"{name}: cannot parse: {err}"]
    if not isinstance(doc, dict):
        return 0, 1, [f"{name}: not a JSON object"]
    if doc.get("protocol") != PROTOCOL:
        return 0, 1, [f"{name}: protocol is {doc.get('protocol')!r}, not {PROTOCOL!r}"]
    family = doc.get("family")
    checker = FAMILIES.get(family) if isinstance(family, str) else None
    if checker is None:
        return 0, 1, [f"{name}: unknown family {family!r}"]
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        return 0, 1, [f"{name}: `cases` is not a non-empty list"]
    passed, failed, lines = 0, 0, []
    seen: set = set()
    for index, case in enumerate(cases):
        label = f"#{index}"
        try:
            if not isinstance(case, dict):
                raise CaseFailure("malformed case: not a JSON object")
            if "id" in case:
                label = str(case["id"])
                if label in seen:
                    raise CaseFailure("malformed case: duplicate id")
                seen.add(label)
            checker(case)
        except CaseFailure as err:
            failed += 1
            lines.append(f"{name}: case {label}: {err}")
        except Exception as err:  # a library refusing malformed input, etc.
            failed += 1
            lines.append(f"{name}: case {label}: error {type(err).__name__}: {err}")
        else:
            passed += 1
    return passed, failed, lines


def vector_files(root: Path) -> list[Path]:
    """Every *.json below root, as the Swift runner picks them: hidden files and folders are skipped."""
    found = []
    for path in root.rglob("*.json"):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def run(root: Path) -> int:
    if not root.is_dir():
        print(f"{root}: not a directory", file=sys.stderr)
        return 2
    passed = failed = 0
    files = vector_files(root)
    if not files:
        print(f"{root}: no *.json vector files found")
        failed += 1
    for path in files:
        name = path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            print(f"{name}: cannot read: {err}")
            failed += 1
            continue
        p, f, lines = check_document(name, text)
        for line in lines:
            print(line)
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# ---------------------------------------------------------------------------
# self-test: the checker must pass good cases and fail corrupted ones


def selftest() -> int:
    def doc(family: str, *cases: dict) -> str:
        return json.dumps({"protocol": PROTOCOL, "family": family, "source": "selftest", "cases": list(cases)})

    def flip(hexstr: str, byte: int = -1) -> str:
        raw = bytearray(bytes.fromhex(hexstr))
        raw[byte] ^= 0x01
        return raw.hex()

    problems: list[str] = []

    def expect(title: str, text: str, want_pass: int, want_fail: int) -> None:
        p, f, lines = check_document(title, text)
        if (p, f) != (want_pass, want_fail):
            problems.append(f"{title}: got {p} passed/{f} failed, wanted {want_pass}/{want_fail}; {lines}")

    # RFC 5869 appendix A.1
    rfc5869 = {
        "ikm": "0b" * 22, "salt": bytes(range(13)).hex(), "info": bytes(range(0xF0, 0xFA)).hex(), "length": 42,
        "okm": "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    }
    expect("hkdf good", doc("hkdf", {"id": 1, **rfc5869}), 1, 0)
    expect("hkdf bad okm", doc("hkdf", {"id": 1, **rfc5869, "okm": flip(rfc5869["okm"])}), 0, 1)
    expect("hkdf too long", doc("hkdf", {"id": 1, **rfc5869, "length": 8161, "result": "invalid"}), 1, 0)

    # RFC 7748 section 5.2, first X25519 test; and a low-order (zero) public key
    rfc7748 = {
        "private": "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "public": "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "shared": "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    }
    expect("x25519 good", doc("x25519", {"id": 1, **rfc7748}), 1, 0)
    expect("x25519 bad", doc("x25519", {"id": 1, **rfc7748, "shared": flip(rfc7748["shared"], 0)}), 0, 1)
    low = {"private": rfc7748["private"], "public": "00" * 32}
    expect("x25519 low order", doc("x25519", {"id": 1, **low, "result": "invalid"}), 1, 0)
    expect("x25519 low order as valid", doc("x25519", {"id": 1, **low, "shared": "00" * 32}), 0, 1)
    # RFC 7748: the top bit of u is masked, so setting it must give the same result
    top = rfc7748["public"][:-2] + f"{int(rfc7748['public'][-2:], 16) | 0x80:02x}"
    expect("x25519 top bit", doc("x25519", {"id": 1, **rfc7748, "public": top}), 1, 0)

    # XEdDSA: sign cases made with the xeddsa package, with the private key clamped first;
    # one key whose Edwards public key has sign bit 0 and one with sign bit 1.
    nonce = bytes(range(100, 164))
    msg = b"UEDM/1 selftest message"
    for fill in (1, 3):
        k = clamp(bytes([fill] * 32))
        sign_bit = sodium.crypto_scalarmult_ed25519_base_noclamp(k)[31] >> 7
        good = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(k, False), msg, nonce)
        plain = xeddsa.ed25519_priv_sign(k, msg, nonce)  # not XEdDSA when the sign bit is 1
        c = {"private": bytes([fill] * 32).hex(), "message": msg.hex(), "nonce": nonce.hex(),
             "public": xeddsa.priv_to_curve25519_pub(k).hex()}
        expect(f"xeddsa sign bit {sign_bit} good", doc("xeddsa", {"id": 1, **c, "signature": good.hex()}), 1, 0)
        expect(f"xeddsa sign bit {sign_bit} plain Ed25519",
               doc("xeddsa", {"id": 1, **c, "signature": plain.hex()}), sign_bit ^ 1, sign_bit)
        expect(f"xeddsa sign bit {sign_bit} verify", doc("xeddsa", {"id": 1, "public": c["public"], "message": c[
            "message"], "signature": good.hex(), "result": "valid"}), 1, 0)
    priv = bytes(range(1, 33))
    k = clamp(priv)
    sig = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(k, False), msg, nonce)
    pub = xeddsa.priv_to_curve25519_pub(k)
    sign = {"private": priv.hex(), "message": msg.hex(), "nonce": nonce.hex(), "public": pub.hex(),
            "signature": sig.hex()}
    expect("xeddsa sign good", doc("xeddsa", {"id": 1, **sign}), 1, 0)
    expect("xeddsa sign bad sig", doc("xeddsa", {"id": 1, **sign, "signature": flip(sig.hex(), 5)}), 0, 1)
    expect("xeddsa sign bad pub", doc("xeddsa", {"id": 1, **sign, "public": flip(pub.hex(), 0)}), 0, 1)
    verify = {"public": pub.hex(), "message": msg.hex(), "signature": sig.hex()}
    expect("xeddsa verify good", doc("xeddsa", {"id": 1, **verify, "result": "valid"}), 1, 0)
    tampered = {**verify, "message": flip(msg.hex())}
    expect("xeddsa tampered msg", doc("xeddsa", {"id": 1, **tampered, "result": "invalid"}), 1, 0)
    expect("xeddsa tampered as valid", doc("xeddsa", {"id": 1, **tampered, "result": "valid"}), 0, 1)
    high = {**verify, "public": (pub[:31] + bytes([pub[31] | 0x80])).hex()}  # bit 255 set
    p_, f_, lines_ = check_document("xeddsa bit 255", doc("xeddsa", {"id": 1, **high, "result": "valid"}))
    if (p_, f_) != (0, 1) or "rule 1" not in lines_[0]:
        problems.append(f"xeddsa bit 255 should fail with rule 1: {lines_}")
    expect("xeddsa bit 255 invalid", doc("xeddsa", {"id": 1, **high, "result": "invalid"}), 1, 0)
    s_big = sig[:32] + (int.from_bytes(sig[32:], "little") + Q).to_bytes(32, "little")
    expect("xeddsa s+q", doc("xeddsa", {"id": 1, **verify, "signature": s_big.hex(), "result": "invalid"}), 1, 0)

    # SPK signature
    device = "7d444840-9dc0-11d1-b245-5ffdce74fad2"
    spk_pub = x25519_public(bytes(range(40, 72)))
    spk_msg = spk_message(uuid.UUID(device).bytes, 7, spk_pub)
    spk_sig = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(k, False), spk_msg, nonce)
    spk = {"identity_private": priv.hex(), "device_id": device, "key_id": 7, "spk_public": spk_pub.hex(),
           "nonce": nonce.hex(), "identity_public": pub.hex(), "signature": spk_sig.hex()}
    expect("spk good", doc("spk_signature", {"id": 1, **spk}), 1, 0)
    expect("spk wrong key_id", doc("spk_signature", {"id": 1, **spk, "key_id": 8}), 0, 1)
    spk_verify = {n: spk[n] for n in ("identity_public", "device_id", "key_id", "spk_public", "signature")}
    expect("spk verify good", doc("spk_signature", {"id": 1, **spk_verify, "result": "valid"}), 1, 0)
    expect("spk verify other device", doc("spk_signature", {"id": 1, **spk_verify, "result": "valid",
                                                            "device_id": str(uuid.UUID(int=1))}), 0, 1)
    expect("spk key_id 0", doc("spk_signature", {"id": 1, **spk_verify, "key_id": 0, "result": "invalid"}), 1, 0)

    # frames
    expect("frame good", doc("frame", {"id": 1, "json": '{"op":0,"s":42,"t":"READY","d":{}}', "op": 0, "s": 42,
                                       "t": "READY"}), 1, 0)
    expect("frame nulls", doc("frame", {"id": 1, "json": '{"op":11,"s":null,"t":null,"d":null,"x":1}', "op": 11,
                                        "s": None, "t": None}), 1, 0)
    expect("frame wrong s", doc("frame", {"id": 1, "json": '{"op":0,"s":42}', "op": 0, "s": 43, "t": None}), 0, 1)
    for bad in ('[1]', '{"s":1}', '{"op":true}', '{"op":1.0}', '{"op":2147483648}', '{"op":-1}',
                '{"op":1,"s":9223372036854775808}', '{"op":1,"t":5}', '{"op":1} x', '{"op":NaN}',
                '{"op":1,"op":2}', ''):
        expect(f"frame {bad!r} invalid", doc("frame", {"id": 1, "json": bad, "result": "invalid"}), 1, 0)
    expect("frame invalid as valid", doc("frame", {"id": 1, "json": '{"op":"1"}', "op": 1}), 0, 1)

    # x3dh and safety numbers: a self-computed case passes and a corrupted copy fails
    def x3dh_case(with_opk: bool) -> dict:
        c = {"ik_a_private": "11" * 32, "ek_a_private": "22" * 32, "ik_b_private": "33" * 32,
             "spk_b_private": "44" * 32, "opk_b_private": "55" * 32 if with_opk else None,
             "user_a": str(uuid.UUID(int=10)), "device_a": str(uuid.UUID(int=11)),
             "user_b": str(uuid.UUID(int=12)), "device_b": str(uuid.UUID(int=13))}
        dhs = [sodium.crypto_scalarmult(bytes.fromhex(c[a]), sodium.crypto_scalarmult_base(bytes.fromhex(c[b])))
               for a, b in (("ik_a_private", "spk_b_private"), ("ek_a_private", "ik_b_private"),
                            ("ek_a_private", "spk_b_private")) + ((("ek_a_private", "opk_b_private"),)
                                                                  if with_opk else ())]
        c["sk"] = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"\x00" * 32,
                       info=b"UEDM1 X3DH").derive(b"\xff" * 32 + b"".join(dhs)).hex()
        c["ad"] = (b"UEDM1" + sodium.crypto_scalarmult_base(b"\x11" * 32) + sodium.crypto_scalarmult_base(b"\x33" * 32)
                   + b"".join(uuid.UUID(int=i).bytes for i in (10, 11, 12, 13))).hex()
        return c

    for opk in (True, False):
        c = x3dh_case(opk)
        expect(f"x3dh good opk={opk}", doc("x3dh", {"id": 1, **c}), 1, 0)
        expect(f"x3dh bad sk opk={opk}", doc("x3dh", {"id": 1, **c, "sk": flip(c["sk"])}), 0, 1)
        expect(f"x3dh bad ad opk={opk}", doc("x3dh", {"id": 1, **c, "ad": flip(c["ad"], 40)}), 0, 1)
    swapped = x3dh_case(True)
    swapped["opk_b_private"] = None  # the expected values were made with an OPK
    expect("x3dh opk dropped", doc("x3dh", {"id": 1, **swapped}), 0, 1)

    keys_x = [bytes([9] * 32).hex(), bytes([3] * 32).hex()]
    keys_y = [bytes([7] * 32).hex()]
    fx = fingerprint(uuid.UUID(int=1).bytes, [bytes.fromhex(k) for k in keys_x])
    fy = fingerprint(uuid.UUID(int=2).bytes, [bytes.fromhex(k) for k in keys_y])
    sn = {"user_x": str(uuid.UUID(int=1)), "keys_x": keys_x, "user_y": str(uuid.UUID(int=2)), "keys_y": keys_y,
          "fingerprint_x": fx, "fingerprint_y": fy, "safety_number": min(fx, fy) + max(fx, fy)}
    expect("safety good", doc("safety_number", {"id": 1, **sn}), 1, 0)
    expect("safety key order irrelevant", doc("safety_number", {"id": 1, **sn, "keys_x": keys_x[::-1]}), 1, 0)
    expect("safety wrong order", doc("safety_number", {"id": 1, **sn, "safety_number": max(fx, fy) + min(fx, fy)}),
           0, 1)
    expect("safety swapped users", doc("safety_number", {"id": 1, **sn, "user_x": sn["user_y"],
                                                         "user_y": sn["user_x"]}), 0, 1)

    # file-level failures and counting
    expect("unparseable", "{not json", 0, 1)
    expect("unknown family", doc("double_ratchet", {"id": 1}), 0, 1)
    expect("ratchet malformed", doc("ratchet", {"id": 1}), 0, 1)
    expect("envelope malformed", doc("envelope", {"id": 1}), 0, 1)
    expect("wrong protocol", json.dumps({"protocol": "UEDM/2", "family": "hkdf", "cases": [rfc5869]}), 0, 1)
    expect("mixed", doc("hkdf", {"id": 1, **rfc5869}, {"id": 2, **rfc5869, "okm": "00"}, {"id": 3, **rfc5869}), 2, 1)
    expect("duplicate id", doc("hkdf", {"id": 1, **rfc5869}, {"id": 1, **rfc5869}), 1, 1)
    expect("uppercase hex", doc("hkdf", {"id": 1, **rfc5869, "okm": rfc5869["okm"].upper()}), 0, 1)

    run_selftests(check_document, problems)  # x3dh through the package, ratchet, envelope

    for line in problems:
        print(f"selftest: {line}")
    print(f"selftest: {'FAILED' if problems else 'ok'} ({len(problems)} problem(s))")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv == ["--selftest"]:
        return selftest()
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: check.py [VECTORS_DIR] | --selftest", file=sys.stderr)
        return 2
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    return run(root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
