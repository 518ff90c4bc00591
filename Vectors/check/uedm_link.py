"""The `link` family (LINKED_DEVICES.md A4: linking a new device), recomputed with PyNaCl (libsodium),
`cryptography` (HKDF, through uedm_common) and hashlib -- never with the project's Swift code.

A request case rebuilds R = 0x01 || uuid(d) || E_n.pub, its text `UEDM1-LINK:` + base64url(R) (RFC 4648
section 5, no padding) and the link code, and reads the text back. A response case runs the new device's side:
read R, read S = 0x01 || E_o.pub || nonce || C, DH(E_n, E_o.pub) (all-zero refused), K = HKDF(0x00*32, DH,
"UEDM1 Link" || R || E_o.pub, 32), open C (XChaCha20-Poly1305, ad "UEDM1 Link" || R || 0x01 || E_o.pub), unpad
(ISO/IEC 7816-4, 64), check the payload (identity_private || JSON), and compare the payload bytes and the
confirmation code. An invalid case must be refused; its `refusal` note, when present, must name the first check
that refuses it, in this order: request_version, request_length, all_zero_dh (a low-order E_n.pub in R),
response_version, response_length, ephemeral_key, all_zero_dh, tag, payload (padding, then the JSON),
identity_key.

`link_selftest` proves the checker passes good cases and fails corrupted ones, from cases it seals itself.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import uuid
from typing import Any

import nacl.bindings as sodium
import nacl.exceptions

from uedm_common import (
    P, PROTOCOL, CaseFailure, expected_result, field, hexbytes, hkdf_sha256, same, uuid_bytes, uuid_text, x25519_all,
    x25519_public,
)
from uedm_envelope import OpenFailure, pad, unpad

VERSION = 0x01
LABEL = b"UEDM1 Link"
LINK_CODE_LABEL = b"UEDM1 LinkCode"
CONFIRM_LABEL = b"UEDM1 LinkConfirm"
REQUEST_SIZE = 1 + 16 + 32
MIN_RESPONSE_SIZE = 1 + 32 + 24 + 16 + 64
REQUEST_PREFIX = "UEDM1-LINK:"
TRUST_LEVELS = ("unverified", "verified", "changed")

# The canonical u of every point of order 1, 2, 4 or 8 on Curve25519 and its twist (u = 0, 1, p - 1 and the
# two of order 8); any u that reduces to one of them (after masking bit 255) is low order.
_LOW_ORDER_U = {
    0, 1, P - 1,
    int.from_bytes(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), "little"),
    int.from_bytes(bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"), "little"),
}
_PROBE = bytes([0x5A] * 32)


class Refused(Exception):
    """The new device refuses; `check` names the check (the `refusal` vocabulary), the message says why."""

    def __init__(self, check: str, why: str) -> None:
        super().__init__(f"{check}: {why}")
        self.check = check


# ---------------------------------------------------------------------------
# encodings


_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64STD = re.compile(r"[A-Za-z0-9+/]*")


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """RFC 4648 section 5 without padding; refuses '=', other characters, and stray trailing bits."""
    if "=" in text:
        raise ValueError("base64url text must not be padded")
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(raw) != text:
        raise ValueError("base64url with non-zero trailing bits")
    return raw


def b64std_decode(text: str) -> bytes:
    """Standard base64, unpadded or correctly padded (the Uncord wire rule); refuses stray trailing bits."""
    body = text.rstrip("=")
    padding = len(text) - len(body)
    if padding and (padding != -len(body) % 4 or len(text) % 4):
        raise ValueError("bad base64 padding")
    if not _B64STD.fullmatch(body) or len(body) % 4 == 1:
        raise ValueError("not standard base64")
    raw = base64.b64decode(body + "=" * (-len(body) % 4))
    if base64.b64encode(raw).decode("ascii").rstrip("=") != body:
        raise ValueError("base64 with non-zero trailing bits")
    return raw


def six_digits(digest: bytes) -> str:
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def link_code(request: bytes) -> str:
    return six_digits(hashlib.sha256(LINK_CODE_LABEL + request).digest())


def confirmation_code(key: bytes) -> str:
    return six_digits(hashlib.sha256(CONFIRM_LABEL + key).digest())


def is_low_order(u: bytes) -> bool:
    """By the table of low-order points, cross-checked with an X25519 by three libraries (uedm_common)."""
    by_table = (int.from_bytes(u, "little") & ((1 << 255) - 1)) % P in _LOW_ORDER_U
    by_dh = x25519_all(_PROBE, u) is None
    if by_table != by_dh:
        raise CaseFailure(f"internal cross-check: low-order table says {by_table}, X25519 says {by_dh}")
    return by_table


# ---------------------------------------------------------------------------
# the two devices


def make_request(device_id: bytes, ephemeral_private: bytes) -> bytes:
    return bytes([VERSION]) + device_id + x25519_public(ephemeral_private)


def read_request(request: bytes) -> bytes:
    """Checks R; returns E_n.pub."""
    if not request or request[0] != VERSION:
        raise Refused("request_version", f"request version byte {request[:1].hex() or 'missing'}, not 01")
    if len(request) != REQUEST_SIZE:
        raise Refused("request_length", f"request has {len(request)} bytes, not {REQUEST_SIZE}")
    if is_low_order(request[17:]):
        raise Refused("all_zero_dh", "the request's E_n.pub is a low-order point")
    return request[17:]


def link_key(own_private: bytes, peer_public: bytes, request: bytes, existing_public: bytes) -> bytes:
    shared = x25519_all(own_private, peer_public)
    if shared is None:
        raise Refused("all_zero_dh", "DH(E_n, E_o.pub) is all zero")
    return hkdf_sha256(shared, b"\x00" * 32, LABEL + request + existing_public, 32)


def associated_data(request: bytes, existing_public: bytes) -> bytes:
    return LABEL + request + bytes([VERSION]) + existing_public


def seal_response(request: bytes, existing_private: bytes, nonce: bytes, payload: bytes) -> tuple[bytes, str]:
    """The existing device's side (for the self-tests): (S, confirmation code)."""
    existing_public = x25519_public(existing_private)
    key = link_key(existing_private, request[17:], request, existing_public)
    sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(payload), associated_data(request, existing_public), nonce, key)
    return bytes([VERSION]) + existing_public + nonce + sealed, confirmation_code(key)


def open_response(request: bytes, ephemeral_private: bytes, response: bytes) -> tuple[bytes, str]:
    """The new device's side: (payload bytes, confirmation code), or Refused."""
    ephemeral_public = read_request(request)
    if not response or response[0] != VERSION:
        raise Refused("response_version", f"response version byte {response[:1].hex() or 'missing'}, not 01")
    if len(response) < MIN_RESPONSE_SIZE:
        raise Refused("response_length", f"response has {len(response)} bytes, below {MIN_RESPONSE_SIZE}")
    if x25519_public(ephemeral_private) != ephemeral_public:
        raise Refused("ephemeral_key", "ephemeral_private is not the request's E_n")
    existing_public, nonce, sealed = response[1:33], response[33:57], response[57:]
    key = link_key(ephemeral_private, existing_public, request, existing_public)
    try:
        padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed, associated_data(request, existing_public), nonce, key)
    except nacl.exceptions.CryptoError as err:
        raise Refused("tag", "XChaCha20-Poly1305 authentication failed") from err
    try:
        payload = unpad(padded)
    except OpenFailure as err:
        raise Refused("payload", str(err)) from err
    check_payload(payload)
    return payload, confirmation_code(key)


# ---------------------------------------------------------------------------
# the payload


class _Object(dict):
    """A JSON object that remembers which keys it was given more than once."""

    repeated: set


def _object(pairs: list) -> _Object:
    obj = _Object()
    obj.repeated = set()
    for key, value in pairs:
        if key in obj:
            obj.repeated.add(key)
        obj[key] = value
    return obj


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strings_are_unicode(value: Any) -> bool:
    """False when a string or key holds an unpaired surrogate (a `\\ud800` escape), which is not Unicode text."""
    stack = [value]
    while stack:
        item = stack.pop()
        texts = []
        if isinstance(item, str):
            texts = [item]
        elif isinstance(item, dict):
            texts = list(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _member(obj: _Object, name: str, where: str) -> Any:
    """A member the payload reads: present, not null, given once."""
    if obj.get(name) is None:
        raise Refused("payload", f"{where}{name} is missing or null")
    if name in obj.repeated:
        raise Refused("payload", f"{where}{name} is given more than once")
    return obj[name]


def _uuid(obj: _Object, name: str, where: str) -> uuid.UUID:
    value = uuid_text(_member(obj, name, where))
    if value is None:
        raise Refused("payload", f"{where}{name} is not a UUID string")
    return value


def _key(obj: _Object, name: str, where: str) -> bytes:
    text = _member(obj, name, where)
    if not isinstance(text, str):
        raise Refused("payload", f"{where}{name} is not a string")
    try:
        raw = b64std_decode(text)
    except ValueError as err:
        raise Refused("payload", f"{where}{name}: {err}") from err
    if len(raw) != 32:
        raise Refused("payload", f"{where}{name} has {len(raw)} bytes, not 32")
    return raw


def _list(obj: _Object, name: str, where: str) -> list:
    value = _member(obj, name, where)
    if not isinstance(value, list):
        raise Refused("payload", f"{where}{name} is not a list")
    return value


def check_payload(payload: bytes) -> dict:
    """identity_private (32) || UTF-8 JSON, A4's rules; returns the parsed JSON or raises Refused."""
    if len(payload) < 32:
        raise Refused("payload", f"payload has {len(payload)} bytes, fewer than the 32 of the private key")
    try:
        obj = json.loads(payload[32:].decode("utf-8"), object_pairs_hook=_object, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as err:
        raise Refused("payload", f"not UTF-8 JSON: {err}") from err
    if not _strings_are_unicode(obj):
        raise Refused("payload", "a string holds an unpaired surrogate")
    if not isinstance(obj, dict):
        raise Refused("payload", "the JSON is not an object")
    v = _member(obj, "v", "")
    if not isinstance(v, int) or isinstance(v, bool) or v != 1:
        raise Refused("payload", f"v is {v!r}, not the integer 1")
    _uuid(obj, "user_id", "")
    identity_key = _key(obj, "identity_key", "")
    _uuid(obj, "from_device", "")
    for index, pin in enumerate(_list(obj, "pins", "")):
        where = f"pins[{index}]."
        if not isinstance(pin, dict):
            raise Refused("payload", f"{where[:-1]} is not an object")
        _uuid(pin, "user_id", where)
        _key(pin, "identity_key", where)
        if _member(pin, "trust", where) not in TRUST_LEVELS:
            raise Refused("payload", f"{where}trust is not one of {TRUST_LEVELS}")
    for index, channel in enumerate(_list(obj, "channels", "")):
        where = f"channels[{index}]."
        if not isinstance(channel, dict):
            raise Refused("payload", f"{where[:-1]} is not an object")
        _uuid(channel, "channel_id", where)
        for member in _list(channel, "members", where):
            if uuid_text(member) is None:
                raise Refused("payload", f"{where}members holds something that is not a UUID string")
    if x25519_public(payload[:32]) != identity_key:
        raise Refused("identity_key", "the private key's public key is not identity_key")
    return obj


# ---------------------------------------------------------------------------
# the family


def check_link(case: dict) -> None:
    result = expected_result(case)
    if case.get("device_id") is not None:
        if result != "valid":
            raise CaseFailure("malformed case: a request case cannot be invalid")
        ephemeral = hexbytes(case, "ephemeral_private", 32)
        request = make_request(uuid_bytes(case, "device_id"), ephemeral)
        same("request", request, hexbytes(case, "request"))
        text = REQUEST_PREFIX + b64url_encode(request)
        same("text", text, field(case, "text"))
        same("link_code", link_code(request), field(case, "link_code"))
        if b64url_decode(text[len(REQUEST_PREFIX):]) != request or read_request(request) != x25519_public(ephemeral):
            raise CaseFailure("the request does not read back as itself")
        return

    request, response = hexbytes(case, "request"), hexbytes(case, "response")
    ephemeral = hexbytes(case, "ephemeral_private", 32)
    try:
        payload, code = open_response(request, ephemeral, response)
    except Refused as refused:
        if result == "valid":
            raise CaseFailure(f"expected valid, but the new device refuses ({refused})") from refused
        note = case.get("refusal")
        if note is not None and note != refused.check:
            raise CaseFailure(f"refusal mismatch: the note says {note!r}, recomputed {refused}") from refused
        return
    if result == "invalid":
        raise CaseFailure(f"expected invalid, but the response opens (payload of {len(payload)} bytes)")
    same("payload", payload, hexbytes(case, "payload"))
    same("confirmation_code", code, field(case, "confirmation_code"))


# ---------------------------------------------------------------------------
# self-test


def _secret(n: int) -> bytes:
    return hashlib.sha256(b"uedm link selftest %d" % n).digest()


def _doc(*cases: dict) -> str:
    return json.dumps({"protocol": PROTOCOL, "family": "link", "source": "selftest", "cases": list(cases)})


def _flip(raw: bytes, index: int = -1) -> bytes:
    out = bytearray(raw)
    out[index] ^= 0x01
    return bytes(out)


def _payload_json(identity_public: bytes, **changes: Any) -> bytes:
    obj: dict = {"v": 1, "user_id": str(uuid.UUID(int=0xA0)), "identity_key": base64.b64encode(identity_public)
                 .decode().rstrip("="), "from_device": str(uuid.UUID(int=0xA1)),
                 "pins": [{"user_id": str(uuid.UUID(int=0xB0)), "identity_key": base64.b64encode(
                     x25519_public(_secret(9))).decode().rstrip("="), "trust": "verified"}],
                 "channels": [{"channel_id": str(uuid.UUID(int=0xC0)), "members": [str(uuid.UUID(int=0xA0))]}]}
    for name, value in changes.items():
        if value is None:
            obj.pop(name)
        else:
            obj[name] = value
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _response_case(payload: bytes | None = None, *, result: str = "valid", request_for: bytes | None = None,
                   existing: int = 3) -> dict:
    """A response case sealed here; the payload defaults to a good one for identity _secret(2)."""
    device, ephemeral = uuid.UUID(int=0xD0).bytes, _secret(1)
    request = make_request(device, ephemeral)
    if payload is None:
        payload = _secret(2) + _payload_json(x25519_public(_secret(2)))
    sealed_for = request_for if request_for is not None else request
    response, code = seal_response(sealed_for, _secret(existing), _secret(4)[:24], payload)
    case = {"id": 1, "request": request.hex(), "ephemeral_private": ephemeral.hex(), "response": response.hex(),
            "result": result}
    if result == "valid":
        case.update(payload=payload.hex(), confirmation_code=code)
    return case


def link_selftest(expect: Any) -> None:
    """`expect(title, document_text, want_passed, want_failed, reason=None)`, as uedm_selftest's _Expect."""
    import uedm_link  # this module, so a patched constant is seen by every function

    device, ephemeral = uuid.UUID(int=0xD0), _secret(1)
    request = make_request(device.bytes, ephemeral)
    good_request = {"id": 1, "device_id": str(device), "ephemeral_private": ephemeral.hex(), "request": request.hex(),
                    "text": REQUEST_PREFIX + b64url_encode(request), "link_code": link_code(request)}
    expect("link request good", _doc(good_request), 1, 0)
    if len(request) != 49:
        expect.problems.append("link selftest: the request is not 49 bytes")
    expect("link request bad code", _doc({**good_request, "link_code": f"{(int(good_request['link_code']) + 1) % 10**6:06d}"}),
           0, 1, "link_code mismatch")
    padded_text = good_request["text"] + "=" * (-(len(good_request["text"]) - len(REQUEST_PREFIX)) % 4)
    if padded_text != good_request["text"]:
        expect("link request padded text", _doc({**good_request, "text": padded_text}), 0, 1, "text mismatch")
    standard = REQUEST_PREFIX + base64.b64encode(request).decode().rstrip("=")
    if standard != good_request["text"]:
        expect("link request standard base64 text", _doc({**good_request, "text": standard}), 0, 1, "text mismatch")
    expect("link request as invalid", _doc({**good_request, "result": "invalid"}), 0, 1, "cannot be invalid")
    for bad in ("Zm9v=", "Zm9v+", "Zm9", "Zm9vY"):  # padding, standard alphabet, stray bits, cut short
        try:
            b64url_decode(bad)
        except ValueError:
            continue
        expect.problems.append(f"link selftest: b64url_decode accepts {bad!r}")
    for text, raw in (("Zm8", b"fo"), ("-_8", b"\xfb\xff"), ("", b"")):
        try:
            if b64url_decode(text) != raw:
                expect.problems.append(f"link selftest: b64url_decode({text!r}) is not {raw!r}")
        except ValueError:
            expect.problems.append(f"link selftest: b64url_decode refuses {text!r}")
    if b64std_decode("Zm8=") != b"fo" or b64std_decode("Zm8") != b"fo":
        expect.problems.append("link selftest: b64std_decode refuses padded or unpadded text")
    for bad in ("Zm9", "Zm8==", "Zm-v", "Zm8=a"):
        try:
            b64std_decode(bad)
        except ValueError:
            continue
        expect.problems.append(f"link selftest: b64std_decode accepts {bad!r}")

    good = _response_case()
    text = _doc(good)
    expect("link response good", text, 1, 0)
    expect("link response bad payload", _doc({**good, "payload": _flip(bytes.fromhex(good["payload"])).hex()}),
           0, 1, "payload mismatch")
    expect("link response bad code",
           _doc({**good, "confirmation_code": f"{(int(good['confirmation_code']) + 1) % 10**6:06d}"}),
           0, 1, "confirmation_code mismatch")
    expect("link response good as invalid", _doc({**good, "result": "invalid"}), 0, 1, "expected invalid")
    # the key schedule is really checked: change one label and the good case fails
    for name, value in (("LABEL", b"UEDM1 Link!"), ("CONFIRM_LABEL", b"UEDM1 LinkConfirm!")):
        saved = getattr(uedm_link, name)
        setattr(uedm_link, name, value)
        try:
            expect(f"link response with a wrong {name}", text, 0, 1)
        finally:
            setattr(uedm_link, name, saved)

    raw = bytes.fromhex(good["response"])
    inputs = {k: v for k, v in good.items() if k not in ("payload", "confirmation_code")}

    def refused(title: str, check: str, **changes: Any) -> None:
        case = {**inputs, "result": "invalid", **changes}
        expect(f"link {title} invalid", _doc({**case, "refusal": check}), 1, 0)
        expect(f"link {title} invalid, no note", _doc(case), 1, 0)
        expect(f"link {title} as valid", _doc({**case, "result": "valid", "payload": good["payload"],
                                               "confirmation_code": good["confirmation_code"]}), 0, 1, check)
        wrong = "tag" if check != "tag" else "payload"
        expect(f"link {title} wrong note", _doc({**case, "refusal": wrong}), 0, 1, "refusal mismatch")

    refused("response version 2", "response_version", response=(b"\x02" + raw[1:]).hex())
    refused("response short", "response_length", response=raw[:MIN_RESPONSE_SIZE - 1].hex())
    refused("tampered tag", "tag", response=_flip(raw).hex())
    refused("tampered E_o", "tag", response=_flip(raw, 1).hex())
    refused("tampered nonce", "tag", response=_flip(raw, 40).hex())
    low = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
    refused("low-order E_o", "all_zero_dh", response=(raw[:1] + low + raw[33:]).hex())
    refused("low-order E_n in R", "all_zero_dh", request=(request[:17] + low).hex())
    refused("request version 2", "request_version", request=(b"\x02" + request[1:]).hex())
    refused("request short", "request_length", request=request[:-1].hex())
    refused("other ephemeral", "ephemeral_key", ephemeral_private=_secret(7).hex())
    other_request = make_request(uuid.UUID(int=0xD1).bytes, ephemeral)
    refused("for another request", "tag", response=_response_case(request_for=other_request)["response"])

    identity = _secret(2)
    public = x25519_public(identity)
    url_public = next(k for k in (x25519_public(_secret(100 + i)) for i in range(64))
                      if set(base64.b64encode(k).decode()) & {"+", "/"})
    url_key = base64.urlsafe_b64encode(url_public).decode().rstrip("=")
    bad_payloads = {
        "stranger's private key": (_secret(5) + _payload_json(public), "identity_key"),
        "v 2": (identity + _payload_json(public, v=2), "payload"),
        "v true": (identity + _payload_json(public, v=True), "payload"),
        "v 1.0": (identity + _payload_json(public, v=1.0), "payload"),
        "v twice": (identity + _payload_json(public).replace(b'{"v":1,', b'{"v":1,"v":1,'), "payload"),
        "no user_id": (identity + _payload_json(public, user_id=None), "payload"),
        "bad from_device": (identity + _payload_json(public, from_device="device"), "payload"),
        "short key": (identity + _payload_json(public, identity_key=base64.b64encode(public[:31]).decode()), "payload"),
        "url key": (identity + _payload_json(public, pins=[{"user_id": str(uuid.UUID(int=1)), "trust": "verified",
                                                            "identity_key": url_key}]), "payload"),
        "bad trust": (identity + _payload_json(public, pins=[{"user_id": str(uuid.UUID(int=1)),
                                                               "identity_key": base64.b64encode(public).decode(),
                                                               "trust": "trusted"}]), "payload"),
        "bad member": (identity + _payload_json(public, channels=[{"channel_id": str(uuid.UUID(int=2)),
                                                                   "members": ["bob"]}]), "payload"),
        "no channels": (identity + _payload_json(public, channels=None), "payload"),
        "surrogate": (identity + _payload_json(public).replace(b'"pins"', b'"x":"\\ud800","pins"'), "payload"),
        "not JSON": (identity + b"hello", "payload"),
        "31 bytes": (identity[:31], "payload"),
    }
    for title, (payload, check) in bad_payloads.items():
        case = {**_response_case(payload, result="invalid"), "refusal": check}
        expect(f"link payload {title} invalid", _doc(case), 1, 0)
        as_valid = _response_case(payload, result="invalid")
        expect(f"link payload {title} as valid", _doc({**as_valid, "result": "valid", "payload": payload.hex(),
                                                        "confirmation_code": "000000"}), 0, 1, check)
    lenient = identity + _payload_json(
        public, user_id=str(uuid.UUID(int=0xA0)).upper(), identity_key=base64.b64encode(public).decode(),
        x_unknown={"nested": [1, None]}, pins=[{"user_id": str(uuid.UUID(int=1)), "note": 5, "trust": "changed",
                                                "identity_key": base64.b64encode(public).decode()}])
    expect("link payload unknown fields, padding, upper case", _doc(_response_case(lenient)), 1, 0)
    pretty = identity + json.dumps(json.loads(_payload_json(public)), indent=2).encode()
    expect("link payload with white space", _doc(_response_case(pretty)), 1, 0)
    exact = identity + _payload_json(public, pins=[], channels=[])
    exact += b" " * (-len(exact) % 64)
    expect("link payload a multiple of 64", _doc(_response_case(exact)), 1, 0)
    tampered_copy = copy.deepcopy(good)
    tampered_copy["response"] = _flip(raw, 60).hex()
    expect("link response tampered ciphertext as valid", _doc(tampered_copy), 0, 1, "tag")
