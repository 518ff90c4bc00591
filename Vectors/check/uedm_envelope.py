"""The `envelope` family (PROTOCOL.md section 5), recomputed with PyNaCl (libsodium) and hashlib/hmac.

A valid case is recomputed byte for byte (content bytes and the 210-byte pre-key wrap, made as Alice's
first message of a fresh session), then opened as Bob would open it -- parse the wrap, responder X3DH,
ratchet decrypt, digest, content, unpad -- and the result must be `payload`, a complete section 5 payload.
An invalid case must fail to open. Only the independent X3DH and ratchet code is used here, never the
x3dh/doubleratchet packages.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import nacl.bindings as sodium
import nacl.exceptions

from uedm_common import (
    CaseFailure, expected_result, field, hexbytes, integer, optional_hexbytes, same, u32be, uuid_bytes, uuid_text,
    x25519_public,
)
from uedm_ratchet import HEADER_SIZE, RatchetFailure, ReferenceSide
from uedm_x3dh import uedm_ad, x3dh_initiator_ikm, x3dh_responder_ikm, x3dh_sk

PAD_BLOCK = 64
CONTENT_VERSION = 0x01
PREKEY_WRAP_TYPE = 0x02
PREKEY_WRAP_SIZE = 1 + 16 + 32 + 32 + 4 + 4 + HEADER_SIZE + 80
MAX_KEY_ID = 2**31 - 1


class OpenFailure(Exception):
    """Bob cannot open the envelope; the message says why."""


def pad(data: bytes) -> bytes:
    """ISO/IEC 7816-4 to a multiple of 64 bytes: 0x80 then zeros, always at least one byte added."""
    out = data + b"\x80" + b"\x00" * ((-len(data) - 1) % PAD_BLOCK)
    if out != sodium.sodium_pad(data, PAD_BLOCK):
        raise CaseFailure("internal cross-check: padding differs from libsodium's sodium_pad")
    return out


def unpad(data: bytes) -> bytes:
    if not data or len(data) % PAD_BLOCK:
        raise OpenFailure(f"padded plaintext has {len(data)} bytes, not a positive multiple of {PAD_BLOCK}")
    end = len(data) - 1
    while end >= 0 and data[end] == 0:
        end -= 1
    if end < 0 or data[end] != 0x80 or len(data) - end > PAD_BLOCK:
        raise OpenFailure("bad ISO/IEC 7816-4 padding")
    try:
        lib = sodium.sodium_unpad(data, PAD_BLOCK)
    except (nacl.exceptions.CryptoError, ValueError) as err:
        raise CaseFailure("internal cross-check: libsodium's sodium_unpad refuses valid padding") from err
    if lib != data[:end]:
        raise CaseFailure("internal cross-check: unpadding differs from libsodium's sodium_unpad")
    return data[:end]


def content_ad(channel_id: bytes, user_a: bytes) -> bytes:
    return b"UEDM1 Content" + channel_id + user_a


def seal_content(content_key: bytes, nonce: bytes, payload: bytes, channel_id: bytes, user_a: bytes) -> bytes:
    sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pad(payload), content_ad(channel_id, user_a),
                                                               nonce, content_key)
    return bytes([CONTENT_VERSION]) + nonce + sealed


def open_content(content: bytes, content_key: bytes, channel_id: bytes, user_a: bytes) -> bytes:
    if len(content) < 1 + 24 + 16 or content[0] != CONTENT_VERSION:
        raise OpenFailure("content bytes too short or not version 0x01")
    try:
        padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(content[25:], content_ad(channel_id, user_a),
                                                                   content[1:25], content_key)
    except nacl.exceptions.CryptoError as err:
        raise OpenFailure("content AEAD authentication failed") from err
    return unpad(padded)


def validate_payload(payload: bytes, sender_device: uuid.UUID) -> None:
    """Section 5's receiver rules; raises OpenFailure."""
    try:
        obj: Any = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise OpenFailure(f"payload is not UTF-8 JSON: {err}") from err
    if not isinstance(obj, dict):
        raise OpenFailure("payload is not a JSON object")
    v = obj.get("v")
    if not isinstance(v, int) or isinstance(v, bool) or v != 1:
        raise OpenFailure(f"payload v is {v!r}, not 1")
    for name in ("type", "body", "sender_device", "sent_at"):
        if not isinstance(obj.get(name), str):
            raise OpenFailure(f"payload `{name}` is missing or not a string")
    device = uuid_text(obj["sender_device"])
    if device is None:
        raise OpenFailure("payload sender_device is not a UUID")
    for name in ("reply_to", "edit_of"):
        if obj.get(name) is not None and uuid_text(obj[name]) is None:
            raise OpenFailure(f"payload `{name}` is not a UUID")
    if device != sender_device:
        raise OpenFailure(f"payload sender_device {device} is not the wrap's sender device {sender_device}")


def prekey_wrap(device_a: bytes, ik_a_pub: bytes, ek_a_pub: bytes, spk_id: int, opk_id: int | None,
                header: bytes, ciphertext: bytes) -> bytes:
    return (bytes([PREKEY_WRAP_TYPE]) + device_a + ik_a_pub + ek_a_pub + u32be(spk_id) + u32be(opk_id or 0)
            + header + ciphertext)


def open_envelope(case: dict, content: bytes, wrap: bytes) -> bytes:
    """Open content + wrap as Bob; returns the payload or raises OpenFailure."""
    user_a, user_b, device_b = (uuid_bytes(case, n) for n in ("user_a", "user_b", "device_b"))
    channel_id = uuid_bytes(case, "channel_id")
    ik_b, spk_b = hexbytes(case, "ik_b_private", 32), hexbytes(case, "spk_b_private", 32)
    spk_b_id = integer(case, "spk_b_id")
    opk_b = optional_hexbytes(case, "opk_b_private", 32)
    opk_b_id = case.get("opk_b_id")
    if len(wrap) != PREKEY_WRAP_SIZE or wrap[0] != PREKEY_WRAP_TYPE:
        raise OpenFailure(f"not a pre-key wrap (type {wrap[:1].hex()}, {len(wrap)} bytes, want 0x02 and 210)")
    device_a, ik_a_pub, ek_a_pub = wrap[1:17], wrap[17:49], wrap[49:81]
    spk_id, opk_id = int.from_bytes(wrap[81:85], "big"), int.from_bytes(wrap[85:89], "big")
    header, ciphertext = wrap[89:89 + HEADER_SIZE], wrap[89 + HEADER_SIZE:]
    if spk_id != spk_b_id:
        raise OpenFailure(f"unknown signed pre-key id {spk_id}")
    if opk_id != 0 and (opk_b is None or opk_id != opk_b_id):
        raise OpenFailure(f"unknown one-time pre-key id {opk_id}")
    try:
        ikm = x3dh_responder_ikm(ik_b, spk_b, opk_b if opk_id else None, ik_a_pub, ek_a_pub)
    except CaseFailure as err:
        raise OpenFailure(str(err)) from err
    ad = uedm_ad(ik_a_pub, x25519_public(ik_b), user_a, device_a, user_b, device_b)
    bob = ReferenceSide.responder(x3dh_sk(ikm), spk_b, None)
    try:
        wrapped = bob.receive(header, ciphertext, ad)
    except RatchetFailure as err:
        raise OpenFailure(f"key wrap: {err}") from err
    if len(wrapped) != 64:
        raise OpenFailure(f"wrapped value has {len(wrapped)} bytes, not 64")
    if wrapped[32:] != hashlib.sha256(content).digest():
        raise OpenFailure("wrapped digest != SHA-256(content bytes)")
    payload = open_content(content, wrapped[:32], channel_id, user_a)
    validate_payload(payload, uuid.UUID(bytes=device_a))
    return payload


def seal_envelope(case: dict) -> tuple[bytes, bytes]:
    """Alice's side: (content bytes, pre-key wrap) from the case's inputs."""
    user_a, device_a = uuid_bytes(case, "user_a"), uuid_bytes(case, "device_a")
    user_b, device_b = uuid_bytes(case, "user_b"), uuid_bytes(case, "device_b")
    channel_id = uuid_bytes(case, "channel_id")
    ik_a, ek_a = hexbytes(case, "ik_a_private", 32), hexbytes(case, "ek_a_private", 32)
    ratchet_key = hexbytes(case, "alice_ratchet_private", 32)
    ik_b, spk_b = hexbytes(case, "ik_b_private", 32), hexbytes(case, "spk_b_private", 32)
    spk_b_id = integer(case, "spk_b_id")
    opk_b = optional_hexbytes(case, "opk_b_private", 32)
    opk_b_id = field(case, "opk_b_id")
    if (opk_b is None) != (opk_b_id is None):
        raise CaseFailure("malformed case: `opk_b_id` and `opk_b_private` must both be null or both given")
    for name, key_id in (("spk_b_id", spk_b_id), ("opk_b_id", opk_b_id)):
        if key_id is not None and (not isinstance(key_id, int) or isinstance(key_id, bool)
                                   or not 1 <= key_id <= MAX_KEY_ID):
            raise CaseFailure(f"malformed case: `{name}` is not a key id in 1...2^31-1")
    payload = hexbytes(case, "payload")
    content_key, nonce = hexbytes(case, "content_key", 32), hexbytes(case, "content_nonce", 24)

    content = seal_content(content_key, nonce, payload, channel_id, user_a)
    ik_a_pub, ik_b_pub, ek_a_pub = x25519_public(ik_a), x25519_public(ik_b), x25519_public(ek_a)
    spk_b_pub = x25519_public(spk_b)
    ikm = x3dh_initiator_ikm(ik_a, ek_a, ik_b_pub, spk_b_pub, None if opk_b is None else x25519_public(opk_b))
    ad = uedm_ad(ik_a_pub, ik_b_pub, user_a, device_a, user_b, device_b)
    alice = ReferenceSide.initiator(x3dh_sk(ikm), spk_b_pub, [ratchet_key])
    header, ciphertext = alice.send(content_key + hashlib.sha256(content).digest(), ad)
    if len(ciphertext) != 80:
        raise CaseFailure(f"internal: the wrapped value's ciphertext has {len(ciphertext)} bytes, not 80")
    wrap = prekey_wrap(device_a, ik_a_pub, ek_a_pub, spk_b_id, opk_b_id, header, ciphertext)
    assert len(wrap) == PREKEY_WRAP_SIZE
    return content, wrap


def check_envelope(case: dict) -> None:
    result = expected_result(case)
    if result == "invalid":
        # An invalid case either gives the bytes Bob receives, or (outputs absent, as VECTORS.md says) the
        # inputs that Alice seals; either way Bob must refuse to open them.
        if case.get("content") is not None or case.get("wrap") is not None:
            content, wrap = hexbytes(case, "content"), hexbytes(case, "wrap")
        else:
            content, wrap = seal_envelope(case)
        try:
            payload = open_envelope(case, content, wrap)
        except OpenFailure:
            return
        raise CaseFailure(f"expected invalid, but Bob opened it (payload {payload[:60]!r}...)")

    content, wrap = seal_envelope(case)
    same("content", content, hexbytes(case, "content"))
    same("wrap", wrap, hexbytes(case, "wrap"))
    try:
        opened = open_envelope(case, content, wrap)
    except OpenFailure as err:
        raise CaseFailure(f"Bob cannot open the envelope: {err}") from err
    same("opened payload", opened, hexbytes(case, "payload"))
