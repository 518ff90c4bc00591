"""The `device_authorization` family: LINKED_DEVICES.md A2 on one device-list answer.

Each case is recomputed here from its inputs: every signed pre-key signature is checked with the rules of
PROTOCOL.md section 1 (Python integers, pynacl's point check and Ed25519 verification, cross-checked with the
`xeddsa` package), and the A2 decision is made by the rules below, written from the design text -- never with the
project's Swift code. `authorization_selftest` proves the family fails mutated cases.

Inputs: `user_id`, `pinned_key` (hex or null), `trust` (unverified/verified/changed or null), `policy` (warn/block),
`own_account` (optional, default false: `pinned_key` is our own account key), `devices` (list of
{device_id, identity_key, spk_id, spk_public, signature}). Expected: `expected_devices` (per device in input
order: {device_id, state, reason}), `outcome` (keep/changed/ambiguous/pinned), `new_key` (for changed/pinned),
`send` (allowed/refused). `invalid` when the pin is not one: `pinned_key` not 32 bytes, a key without a trust level
or a level without a key, `own_account` without a key.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing
import xeddsa

from uedm_common import (
    MAX_KEY_ID, PROTOCOL, P, Q, CaseFailure, clamp, expected_result, field, hex_value, hexbytes, same, uuid_text,
    verdict,
)

TRUST_LEVELS = ("unverified", "verified", "changed")
POLICIES = ("warn", "block")
REASONS = ("foreignIdentityKey", "invalidSignedPreKeySignature", "duplicateDeviceId")


# ---------------------------------------------------------------------------
# the signed pre-key signature (PROTOCOL.md sections 1 and 2)


def spk_message(device_id: uuid.UUID, spk_id: int, spk_public: bytes) -> bytes:
    return b"UEDM1 SPK" + device_id.bytes + spk_id.to_bytes(4, "big") + spk_public


def edwards_public(u_bytes: bytes) -> bytes:
    """The Edwards key of an X25519 key with sign bit 0: y = (u - 1) / (u + 1), cross-checked with libxeddsa."""
    u = int.from_bytes(u_bytes, "little")
    y = (u - 1) * pow((u + 1) % P, P - 2, P) % P
    ours = y.to_bytes(32, "little")
    theirs = xeddsa.curve25519_pub_to_ed25519_pub(u_bytes, False)
    if ours != theirs:
        raise CaseFailure(f"internal cross-check: y=(u-1)/(u+1) gives {ours.hex()}, libxeddsa {theirs.hex()}")
    return ours


def spk_verifies(identity_key: bytes, device_id: uuid.UUID, spk_id: int, spk_public: bytes,
                 signature: bytes) -> bool:
    """Whether the device's signature verifies under the identity key it names (any failure: False)."""
    if len(identity_key) != 32 or len(spk_public) != 32 or len(signature) != 64:
        return False
    if not 1 <= spk_id <= MAX_KEY_ID:
        return False
    if int.from_bytes(identity_key, "little") >= P:  # non-canonical u, bit 255 included
        return False
    if int.from_bytes(signature[32:], "little") >= Q:
        return False
    ed_public = edwards_public(identity_key)
    if not sodium.crypto_core_ed25519_is_valid_point(ed_public):  # low order, mixed order, not on the curve
        return False
    message = spk_message(device_id, spk_id, spk_public)
    try:
        nacl.signing.VerifyKey(ed_public).verify(message, signature)
        accepted = True
    except nacl.exceptions.BadSignatureError:
        accepted = False
    if xeddsa.ed25519_verify(signature, ed_public, message) != accepted:
        raise CaseFailure("internal cross-check: pynacl and libxeddsa disagree on a signed pre-key signature")
    return accepted


# ---------------------------------------------------------------------------
# A2


@dataclass(frozen=True)
class Device:
    device_id: uuid.UUID
    identity_key: bytes
    spk_id: int
    spk_public: bytes
    signature: bytes


@dataclass(frozen=True)
class Decision:
    states: list  # per device: ("authorized", None) or ("refused", reason)
    outcome: str
    new_key: bytes | None
    send: bool


def authorize(devices: list[Device], pin: bytes | None, trust: str | None, policy: str,
              own_account: bool) -> Decision:
    """LINKED_DEVICES.md A2 for one device list; `pin` None is first contact."""
    listed = Counter(d.device_id for d in devices)
    # per device: the key it names when the device counts (its id is listed once) and it verifies under that key
    good_key = [d.identity_key if listed[d.device_id] == 1 and spk_verifies(
        d.identity_key, d.device_id, d.spk_id, d.spk_public, d.signature) else None for d in devices]
    carried = {k for k in good_key if k is not None}

    new_key = None
    reasons_against: bytes | None = pin  # the pin in force after the decision
    if own_account:
        outcome, wrap_key, send = "keep", pin, True  # only rule 1; never re-pinned
    elif pin is not None and pin in carried:
        outcome, wrap_key, send = "keep", pin, True  # rule 1
    else:
        others = carried - {pin}
        if len(others) >= 2:
            outcome, wrap_key, send = "ambiguous", None, False  # rule 3 / first contact with several keys
            reasons_against = None
        elif len(others) == 1:
            (new_key,) = others
            if pin is None:
                outcome, wrap_key, send = "pinned", new_key, True
                reasons_against = new_key
            elif trust == "verified" or policy == "block":
                outcome, wrap_key, send = "changed", None, False  # N pending, the pin stays
            else:
                outcome, wrap_key, send = "changed", new_key, True  # re-pinned as changed
                reasons_against = new_key
        else:
            outcome, wrap_key, send = "keep", None, False  # rule 4 / nothing verifies / empty list

    states = []
    for device, key in zip(devices, good_key):
        if listed[device.device_id] > 1:
            states.append(("refused", "duplicateDeviceId"))
        elif key is not None and key == wrap_key:
            states.append(("authorized", None))
        elif key is not None and key != reasons_against:
            states.append(("refused", "foreignIdentityKey"))
        else:
            states.append(("refused", "invalidSignedPreKeySignature"))
    return Decision(states, outcome, new_key, send)


# ---------------------------------------------------------------------------
# the family


def _devices(case: dict) -> list[Device]:
    items = field(case, "devices")
    if not isinstance(items, list):
        raise CaseFailure("malformed case: `devices` is not a list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise CaseFailure(f"malformed case: devices[{i}] is not an object")
        device_id = uuid_text(field(item, "device_id"))
        if device_id is None:
            raise CaseFailure(f"malformed case: devices[{i}].device_id is not a UUID")
        spk_id = field(item, "spk_id")
        if not isinstance(spk_id, int) or isinstance(spk_id, bool) or not 0 <= spk_id < 2**32:
            raise CaseFailure(f"malformed case: devices[{i}].spk_id is not a 32-bit unsigned integer")
        out.append(Device(device_id, hexbytes(item, "identity_key"), spk_id, hexbytes(item, "spk_public"),
                          hexbytes(item, "signature")))
    return out


def _choice(case: dict, name: str, allowed: tuple, nullable: bool) -> Any:
    value = case.get(name) if nullable else field(case, name)
    if value is None and nullable:
        return None
    if value not in allowed:
        raise CaseFailure(f"malformed case: `{name}` is {value!r}, not one of {allowed}")
    return value


def check_device_authorization(case: dict) -> None:
    result = expected_result(case)
    if uuid_text(field(case, "user_id")) is None:
        raise CaseFailure("malformed case: `user_id` is not a UUID")
    raw_pin = field(case, "pinned_key")
    pin = None if raw_pin is None else hex_value(raw_pin, "pinned_key")
    trust = _choice(case, "trust", TRUST_LEVELS, nullable=True)
    policy = _choice(case, "policy", POLICIES, nullable=False)
    own_account = case.get("own_account", False)
    if own_account is None:
        own_account = False
    if not isinstance(own_account, bool):
        raise CaseFailure("malformed case: `own_account` is not true or false")
    devices = _devices(case)

    if pin is not None and len(pin) != 32:
        verdict(result, False, f"pinned_key has {len(pin)} bytes, not 32")
        return
    if (pin is None) != (trust is None):
        verdict(result, False, "a pin needs both a key and a trust level")
        return
    if own_account and pin is None:
        verdict(result, False, "own_account without our own key")
        return
    decision = authorize(devices, pin, trust, policy, own_account)
    verdict(result, True, "a device list is always judged")

    expected = field(case, "expected_devices")
    if not isinstance(expected, list) or len(expected) != len(devices):
        raise CaseFailure(f"expected_devices must list the {len(devices)} devices in input order")
    for i, (want, device, state) in enumerate(zip(expected, devices, decision.states)):
        if not isinstance(want, dict):
            raise CaseFailure(f"malformed case: expected_devices[{i}] is not an object")
        if uuid_text(field(want, "device_id")) != device.device_id:
            raise CaseFailure(f"expected_devices[{i}].device_id is not devices[{i}]'s")
        same(f"device {i} (state, reason)", state, (field(want, "state"), field(want, "reason")))
    same("outcome", decision.outcome, field(case, "outcome"))
    if decision.new_key is not None and decision.outcome in ("changed", "pinned"):
        same("new_key", decision.new_key, hexbytes(case, "new_key", 32))
    elif case.get("new_key") is not None:
        raise CaseFailure(f"new_key is given for outcome {decision.outcome}")
    same("send", "allowed" if decision.send else "refused", field(case, "send"))


# ---------------------------------------------------------------------------
# self-test: hand-written verdicts pass, every mutation fails

Expect = Callable[..., None]


def _private(n: int) -> bytes:
    return hashlib.sha256(b"uedm authorization selftest key %d" % n).digest()


def _public(private: bytes) -> bytes:
    return sodium.crypto_scalarmult_base(private)


def _device(n: int, key: bytes, signer: bytes | None = None, spk_id: int = 1) -> dict:
    """A device numbered n naming the X25519 key of private `key`, its SPK signed by `signer` (default: `key`)."""
    device_id = uuid.UUID(int=0xD000 + n)
    spk_public = _public(_private(1000 + n))
    k = clamp(signer or key)
    nonce = hashlib.sha512(b"nonce %d" % n).digest()
    signature = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(k, False), spk_message(device_id, spk_id, spk_public),
                                         nonce)
    return {"device_id": str(device_id), "identity_key": _public(key).hex(), "spk_id": spk_id,
            "spk_public": spk_public.hex(), "signature": signature.hex()}


def _case(pin: bytes | None, trust: str | None, policy: str, devices: list[dict], verdicts: list[str],
          outcome: str, new_key: bytes | None, send: str, own_account: bool = False) -> dict:
    """A case with hand-written verdicts: "ok", "foreign", "bad" or "dup" per device."""
    states = {"ok": ("authorized", None), "foreign": ("refused", "foreignIdentityKey"),
              "bad": ("refused", "invalidSignedPreKeySignature"), "dup": ("refused", "duplicateDeviceId")}
    case = {"id": 1, "user_id": str(uuid.UUID(int=0xABC)), "pinned_key": None if pin is None else pin.hex(),
            "trust": trust, "policy": policy, "devices": devices,
            "expected_devices": [{"device_id": d["device_id"], "state": states[v][0], "reason": states[v][1]}
                                 for d, v in zip(devices, verdicts)],
            "outcome": outcome, "new_key": None if new_key is None else new_key.hex(), "send": send}
    if own_account:
        case["own_account"] = True
    return case


def _doc(*cases: dict) -> str:
    return json.dumps({"protocol": PROTOCOL, "family": "device_authorization", "source": "selftest",
                       "cases": list(cases)})


def authorization_selftest(expect: Expect) -> None:
    p, n, m = _private(1), _private(2), _private(3)
    P_, N_ = _public(p), _public(n)
    bad = _device(5, p)
    bad["signature"] = bad["signature"][:-2] + f"{int(bad['signature'][-2:], 16) ^ 0x01:02x}"
    dup_a, dup_b = _device(6, p), _device(7, p)
    dup_b["device_id"] = dup_a["device_id"].upper()  # the same id in the other letter case
    low = _device(8, n)
    low["identity_key"] = "00" * 32
    low["signature"] = "01" + "00" * 63  # R = identity, S = 0: only a lax cofactored verifier would accept it
    good = {
        "rule 1": _case(P_, "unverified", "warn", [_device(1, p), _device(2, n), bad, _device(3, p, signer=n)],
                        ["ok", "foreign", "bad", "bad"], "keep", None, "allowed"),
        "rule 2 warn": _case(P_, "changed", "warn", [_device(1, n), bad, dup_a, dup_b],
                             ["ok", "bad", "dup", "dup"], "changed", N_, "allowed"),
        "rule 2 verified": _case(P_, "verified", "warn", [_device(1, n), bad], ["foreign", "bad"], "changed", N_,
                                 "refused"),
        "rule 2 block": _case(P_, "unverified", "block", [_device(1, n)], ["foreign"], "changed", N_, "refused"),
        "rule 3": _case(P_, "unverified", "warn", [_device(1, n), _device(2, m), bad],
                        ["foreign", "foreign", "bad"], "ambiguous", None, "refused"),
        "rule 4": _case(P_, "verified", "warn", [bad, low], ["bad", "bad"], "keep", None, "refused"),
        "first contact": _case(None, None, "block", [_device(1, n), low, _device(2, n, spk_id=0)],
                               ["ok", "bad", "bad"], "pinned", N_, "allowed"),
        "first contact ambiguous": _case(None, None, "warn", [_device(1, n), _device(2, m)], ["foreign", "foreign"],
                                         "ambiguous", None, "refused"),
        "own account": _case(P_, "verified", "warn", [_device(1, n), _device(2, m)], ["foreign", "foreign"],
                             "keep", None, "allowed", own_account=True),
        "own account empty": _case(P_, "verified", "warn", [], [], "keep", None, "allowed", own_account=True),
        "empty": _case(P_, "unverified", "warn", [], [], "keep", None, "refused"),
    }
    for title, case in good.items():
        expect(f"authorization {title} good", _doc(case), 1, 0)
    expect("authorization all good", _doc(*({**c, "id": i} for i, c in enumerate(good.values()))), len(good), 0)

    def mutated(title: str, base: str, change: Callable[[dict], None], reason: str | None = None) -> None:
        case = json.loads(json.dumps(good[base]))
        change(case)
        expect(f"authorization {title}", _doc(case), 0, 1, reason)

    def state(i: int, s: str, r: str | None) -> Callable[[dict], None]:
        return lambda c: c["expected_devices"][i].update(state=s, reason=r)

    mutated("authorized as refused", "rule 1", state(0, "refused", "foreignIdentityKey"), "device 0")
    mutated("foreign as bad", "rule 1", state(1, "refused", "invalidSignedPreKeySignature"), "device 1")
    mutated("foreign as authorized", "rule 1", state(1, "authorized", None), "device 1")
    mutated("claimed pin as authorized", "rule 1", state(3, "authorized", None), "device 3")
    mutated("duplicate as bad", "rule 2 warn", state(2, "refused", "invalidSignedPreKeySignature"), "device 2")
    mutated("blocked change as authorized", "rule 2 verified", state(0, "authorized", None), "device 0")
    mutated("low order with lax signature as authorized", "first contact", state(1, "authorized", None), "device 1")
    mutated("key id 0 as authorized", "first contact", state(2, "authorized", None), "device 2")
    mutated("ambiguous as foreign-bad", "rule 3", state(0, "refused", "invalidSignedPreKeySignature"), "device 0")
    mutated("outcome keep for a change", "rule 2 warn", lambda c: c.update(outcome="keep", new_key=None), "outcome")
    mutated("outcome changed for ambiguous", "rule 3", lambda c: c.update(outcome="changed", new_key=N_.hex()),
            "outcome")
    mutated("new_key wrong", "rule 2 warn", lambda c: c.update(new_key=P_.hex()), "new_key")
    mutated("new_key given for keep", "rule 1", lambda c: c.update(new_key=N_.hex()), "new_key")
    mutated("send allowed for a verified change", "rule 2 verified", lambda c: c.update(send="allowed"), "send")
    mutated("send refused for rule 1", "rule 1", lambda c: c.update(send="refused"), "send")
    mutated("send refused for own account", "own account", lambda c: c.update(send="refused"), "send")
    mutated("send allowed for an empty list", "empty", lambda c: c.update(send="allowed"), "send")
    mutated("verified user under warn re-pins", "rule 2 warn", lambda c: c.update(trust="verified"), "device 0")
    mutated("block policy re-pins", "rule 2 warn", lambda c: c.update(policy="block"), "device 0")
    mutated("warn policy blocks", "rule 2 block", lambda c: c.update(policy="warn"), "device 0")
    mutated("own account dropped", "own account", lambda c: c.pop("own_account"), "outcome")
    mutated("not own account", "own account", lambda c: c.update(own_account=False), "outcome")
    mutated("expected devices reordered", "rule 1", lambda c: c["expected_devices"].reverse(), "device_id")
    mutated("an expected device missing", "rule 1", lambda c: c["expected_devices"].pop(), "expected_devices")
    mutated("a signature tampered", "rule 1", lambda c: c["devices"][0].update(
        signature=c["devices"][0]["signature"][:20] + "ff" + c["devices"][0]["signature"][22:]), "device 0")
    mutated("another device id", "rule 1", lambda c: c["devices"][0].update(device_id=str(uuid.UUID(int=9))),
            "device")
    mutated("valid as invalid", "rule 1", lambda c: c.update(result="invalid"), "expected invalid")
    mutated("pin dropped", "rule 1", lambda c: c.update(pinned_key=None, trust=None), "device")
    mutated("bad policy", "rule 1", lambda c: c.update(policy="allow"), "malformed")

    # invalid pins: refused as inputs, and never valid
    base = good["rule 1"]
    inputs = {k: v for k, v in base.items() if k not in ("expected_devices", "outcome", "new_key", "send")}
    for title, change in (("31-byte pin", {"pinned_key": P_[:31].hex()}),
                          ("pin without trust", {"trust": None}),
                          ("trust without pin", {"pinned_key": None}),
                          ("own account without pin", {"pinned_key": None, "trust": None, "own_account": True})):
        expect(f"authorization {title} invalid", _doc({**inputs, **change, "result": "invalid"}), 1, 0)
        expect(f"authorization {title} as valid", _doc({**base, **change}), 0, 1, "expected valid")
