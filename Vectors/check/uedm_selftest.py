"""Self-tests of the x3dh (through the package), ratchet and envelope families.

Sample cases are built in memory from the checker's own reference code (the Swift vector files are not
needed); each good case must pass, and corrupted copies must fail -- some of them only in one of the two
ratchet implementations, to prove that both are really checked and that the package's bends matter.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import uuid
import warnings
from typing import Any, Callable, Iterator

import uedm_ratchet
import uedm_x3dh
from uedm_authorization import authorization_selftest
from uedm_common import PROTOCOL, x25519_public
from uedm_envelope import prekey_wrap, seal_content
from uedm_link import link_selftest
from uedm_ratchet import ReferenceSide, make_case
from uedm_x3dh import uedm_ad, x3dh_initiator_ikm, x3dh_sk

CheckDocument = Callable[[str, str], "tuple[int, int, list[str]]"]


def _key(n: int) -> bytes:
    return hashlib.sha256(b"uedm selftest key %d" % n).digest()


def _doc(family: str, *cases: dict) -> str:
    return json.dumps({"protocol": PROTOCOL, "family": family, "source": "selftest", "cases": list(cases)})


def _flip(hexstr: str, byte: int = -1) -> str:
    raw = bytearray(bytes.fromhex(hexstr))
    raw[byte] ^= 0x01
    return raw.hex()


@contextlib.contextmanager
def _patched(module: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


class _Expect:
    def __init__(self, check_document: CheckDocument, problems: list[str]) -> None:
        self.check_document = check_document
        self.problems = problems

    def __call__(self, title: str, text: str, want_pass: int, want_fail: int, reason: str | None = None) -> None:
        p, f, lines = self.check_document(title, text)
        if (p, f) != (want_pass, want_fail):
            self.problems.append(f"{title}: got {p} passed/{f} failed, wanted {want_pass}/{want_fail}; {lines}")
        elif reason is not None and not any(reason in line for line in lines):
            self.problems.append(f"{title}: failure does not mention {reason!r}: {lines}")


# ---------------------------------------------------------------------------
# x3dh through the package


def _x3dh_selftest(expect: _Expect) -> None:
    ids = [uuid.UUID(int=i).bytes for i in (10, 11, 12, 13)]
    for with_opk in (True, False):
        keys = {n: _key(i) for i, n in enumerate(("ik_a", "ek_a", "ik_b", "spk_b", "opk_b"))}
        opk = keys["opk_b"] if with_opk else None
        pub = {n: x25519_public(k) for n, k in keys.items()}
        sk = x3dh_sk(x3dh_initiator_ikm(keys["ik_a"], keys["ek_a"], pub["ik_b"], pub["spk_b"],
                                        pub["opk_b"] if with_opk else None))
        case = {"id": 1, "ik_a_private": keys["ik_a"].hex(), "ek_a_private": keys["ek_a"].hex(),
                "ik_b_private": keys["ik_b"].hex(), "spk_b_private": keys["spk_b"].hex(),
                "opk_b_private": opk.hex() if opk else None,
                **{n: str(uuid.UUID(bytes=b)) for n, b in zip(("user_a", "device_a", "user_b", "device_b"), ids)},
                "sk": sk.hex(), "ad": uedm_ad(pub["ik_a"], pub["ik_b"], *ids).hex()}
        text = _doc("x3dh", case)
        expect(f"x3dh package opk={with_opk} good", text, 1, 0)
        # the package path itself must be live: the same case fails once the package is configured wrongly
        x3dh_mod = uedm_x3dh.x3dh
        for what, config in (("info", (x3dh_mod.IdentityKeyFormat.CURVE_25519, x3dh_mod.HashFunction.SHA_256,
                                       b"UEDM1 X3DH!")),
                             ("hash", (x3dh_mod.IdentityKeyFormat.CURVE_25519, x3dh_mod.HashFunction.SHA_512,
                                       b"UEDM1 X3DH"))):
            with _patched(uedm_x3dh, "_PACKAGE_CONFIG", config):
                expect(f"x3dh package opk={with_opk} wrong {what}", text, 0, 1, "x3dh package (responder)")
        responder_sk, responder_ad = uedm_x3dh.package_x3dh_responder(
            keys["ik_b"], keys["spk_b"], opk, pub["ik_a"], pub["ek_a"], b"".join(ids))
        initiator_sk, _ = uedm_x3dh.package_x3dh_initiator(
            keys["ik_a"], keys["ek_a"], keys["ik_b"], keys["spk_b"], opk, b"".join(ids))
        if not responder_sk == initiator_sk == sk or b"UEDM1" + responder_ad != bytes.fromhex(case["ad"]):
            expect.problems.append(f"x3dh package opk={with_opk}: package sk/AD differ from the independent ones")


# ---------------------------------------------------------------------------
# ratchet


def _ratchet_inputs() -> tuple[bytes, bytes, bytes, list[bytes], list[bytes]]:
    sk, ad = _key(100), b"UEDM1" + _key(101) + _key(102) + bytes(64)
    return sk, ad, _key(103), [_key(110 + i) for i in range(4)], [_key(120 + i) for i in range(4)]


def _conversation() -> dict:
    """Out of order, tampering, replays, and a failed first DH step on each side."""
    sk, ad, spk, alice_keys, bob_keys = _ratchet_inputs()
    m = lambda i: b"message %d" % i  # noqa: E731
    script = [
        ("send", "alice", m(0)), ("send", "alice", m(1)), ("send", "alice", m(2)),
        ("receive", "bob", 1, "header", "invalid"), ("receive", "bob", 1, "ciphertext", "invalid"),
        ("receive", "bob", 1, "ad", "invalid"),
        ("receive", "bob", 1),                         # Bob's first receive skips message 0
        ("receive", "bob", 1, None, "invalid"),        # replay
        ("send", "bob", m(3)), ("send", "bob", b""),
        ("receive", "alice", 4, "ciphertext", "invalid"),  # a failed DH step draws no key
        ("receive", "alice", 4), ("receive", "alice", 3),
        ("receive", "alice", 3, None, "invalid"),      # replay of a skipped key
        ("receive", "bob", 0),                         # skipped key, still in the current chain
        ("send", "alice", m(5)),                       # Alice's second chain, PN = 3
        ("receive", "bob", 5, "header", "invalid"),
        ("receive", "bob", 5),                         # old chain's message 2 becomes a skipped key
        ("receive", "bob", 2),
        ("receive", "bob", 2, None, "invalid"),        # replay from an old chain
        ("send", "bob", m(6)), ("receive", "alice", 6),
        ("send", "alice", m(7) * 40), ("receive", "bob", 7),
    ]
    return {"id": 1, **make_case(sk, ad, spk, alice_keys + [_key(199)], bob_keys, script)}


def _skip_limits() -> dict:
    """MAX_SKIP in the new chain (N) and, separately, in the old chain (PN)."""
    sk, ad, spk, alice_keys, bob_keys = _ratchet_inputs()
    script: list[tuple] = [("send", "alice", b"x%d" % i) for i in range(1002)]  # sends 0..1001
    script += [
        ("receive", "bob", 0),
        ("send", "bob", b"reply"),                      # send 1002
        ("receive", "alice", 1002),
        ("send", "alice", b"new chain"),                # send 1003: PN = 1002, Bob's Nr = 1
        ("receive", "bob", 1003, None, "invalid"),      # old chain would skip 1001 > 1000
        ("receive", "bob", 1001),                       # skips exactly 1000 (1..1000)
        ("receive", "bob", 1003),                       # now the old chain has nothing left to skip
        ("receive", "bob", 500),                        # a stored skipped key
    ]
    for i in range(1004, 2006):
        script.append(("send", "alice", b"y%d" % i))    # sends 1004..2005 in Alice's second chain
    script += [
        ("receive", "bob", 2005, None, "invalid"),      # N would skip 1001 > 1000
        ("receive", "bob", 2004),                       # skips exactly 1000
        ("receive", "bob", 2005),
    ]
    return {"id": 2, **make_case(sk, ad, spk, alice_keys, bob_keys, script)}


def _eviction() -> dict:
    """At most 2000 stored skipped keys, oldest evicted first."""
    sk, ad, spk, alice_keys, bob_keys = _ratchet_inputs()
    script: list[tuple] = []
    sends = 0

    def alice_chain(count: int) -> int:
        nonlocal sends
        first = sends
        for _ in range(count):
            script.append(("send", "alice", b"m%d" % sends))
            sends += 1
        return first

    def bob_reply() -> None:
        nonlocal sends
        script.append(("send", "bob", b"r%d" % sends))
        script.append(("receive", "alice", sends))
        sends += 1

    c1 = alice_chain(1001)
    script.append(("receive", "bob", c1 + 1000))        # 1000 stored
    bob_reply()
    c2 = alice_chain(1001)
    script.append(("receive", "bob", c2 + 1000))        # 2000 stored
    bob_reply()
    c3 = alice_chain(2)
    script.append(("receive", "bob", c3 + 1))           # 2001 -> the oldest (c1 + 0) is evicted
    script.append(("receive", "bob", c1, None, "invalid"))
    script.append(("receive", "bob", c1 + 1))
    script.append(("receive", "bob", c2))
    return {"id": 3, **make_case(sk, ad, spk, alice_keys, bob_keys, script)}


def _ratchet_selftest(expect: _Expect) -> None:
    good = _conversation()
    text = _doc("ratchet", good)
    expect("ratchet conversation good", text, 1, 0)

    def corrupted(title: str, change: Callable[[dict], None], reason: str | None = None) -> None:
        case = copy.deepcopy(good)
        change(case)
        expect(f"ratchet {title}", _doc("ratchet", case), 0, 1, reason)

    events = good["events"]
    first_bob_send = next(i for i, e in enumerate(events) if e.get("send") == "bob")
    replay = next(i for i, e in enumerate(events) if e.get("result") == "invalid" and "tamper" not in e)
    tampered = next(i for i, e in enumerate(events) if e.get("tamper") == "ad")
    valid_receive = next(i for i, e in enumerate(events) if "receive" in e and "result" not in e)
    corrupted("bad ciphertext", lambda c: c["events"][0].update(ciphertext=_flip(c["events"][0]["ciphertext"], 3)),
              "ciphertext mismatch")
    corrupted("bad header N", lambda c: c["events"][1].update(header=_flip(c["events"][1]["header"])),
              "header mismatch")
    corrupted("bad bob header", lambda c: c["events"][first_bob_send].update(
        header=_flip(c["events"][first_bob_send]["header"], 5)), "header mismatch")
    corrupted("replay as valid", lambda c: c["events"][replay].pop("result"), "expected to decrypt")
    corrupted("tamper as valid", lambda c: c["events"][tampered].update(result="valid"), "malformed")
    corrupted("valid as invalid", lambda c: c["events"][valid_receive].update(result="invalid"),
              "expected to fail")
    corrupted("bob keys swapped", lambda c: c.update(bob_ratchet_privates=c["bob_ratchet_privates"][::-1]),
              "header mismatch")
    corrupted("bob keys too few", lambda c: c.update(bob_ratchet_privates=c["bob_ratchet_privates"][:1]),
              "needs more ratchet keys")
    corrupted("wrong ad", lambda c: c.update(ad=_flip(c["ad"], 0)), "ciphertext mismatch")
    corrupted("wrong sk", lambda c: c.update(sk=_flip(c["sk"], 0)), "mismatch")
    corrupted("receive before send", lambda c: c["events"].insert(0, {"receive": "bob", "message": 0}),
              "malformed")

    # each implementation is really run: break one and the case fails naming it
    with _patched(uedm_ratchet, "CHAIN_CONSTANT", b"\x01\x02"):
        expect("ratchet package broken", text, 0, 1, "doubleratchet package fails, independent ratchet passes")
    with _patched(uedm_ratchet, "kdf_ck", lambda ck: (uedm_ratchet.hmac_sha256(ck, b"\x01"),
                                                      uedm_ratchet.hmac_sha256(ck, b"\x02"))):
        expect("ratchet reference broken", text, 0, 1, "independent ratchet fails, doubleratchet package passes")

    limits = _skip_limits()
    limits_text = _doc("ratchet", limits)
    expect("ratchet skip limits good", limits_text, 1, 0)
    # without the bend (the package's warning left a warning) the package accepts the old-chain overrun
    with _patched(uedm_ratchet, "_OLD_CHAIN_WARNING", "a warning the package never gives"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect("ratchet skip limits, package unbent", limits_text, 0, 1,
               "doubleratchet package fails, independent ratchet passes")
    over = [i for i, e in enumerate(limits["events"]) if e.get("result") == "invalid"]
    for i in over:
        case = copy.deepcopy(limits)
        del case["events"][i]["result"]
        expect(f"ratchet skip limit event {i} as valid", _doc("ratchet", case), 0, 1, "both implementations fail")

    eviction = _eviction()
    expect("ratchet eviction good", _doc("ratchet", eviction), 1, 0)
    case = copy.deepcopy(eviction)
    del case["events"][-3]["result"]  # the evicted key cannot be used any more
    expect("ratchet evicted as valid", _doc("ratchet", case), 0, 1, "both implementations fail")


# ---------------------------------------------------------------------------
# envelope


def _payload(device: str, **extra: Any) -> bytes:
    obj = {"v": 1, "type": "text", "body": "h\u00e9llo \u2603", "sender_device": device,
           "sent_at": "2025-01-02T03:04:05Z", **extra}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def make_envelope(case: dict) -> dict:
    """Fill in `content` and `wrap` for an envelope case, from the reference code."""
    b = lambda n: bytes.fromhex(case[n])  # noqa: E731
    u = lambda n: uuid.UUID(case[n]).bytes  # noqa: E731
    content = seal_content(b("content_key"), b("content_nonce"), b("payload"), u("channel_id"), u("user_a"))
    opk = None if case["opk_b_private"] is None else x25519_public(b("opk_b_private"))
    ik_a_pub, ik_b_pub, ek_a_pub = (x25519_public(b(n)) for n in ("ik_a_private", "ik_b_private", "ek_a_private"))
    spk_pub = x25519_public(b("spk_b_private"))
    sk = x3dh_sk(x3dh_initiator_ikm(b("ik_a_private"), b("ek_a_private"), ik_b_pub, spk_pub, opk))
    ad = uedm_ad(ik_a_pub, ik_b_pub, u("user_a"), u("device_a"), u("user_b"), u("device_b"))
    alice = ReferenceSide.initiator(sk, spk_pub, [b("alice_ratchet_private")])
    header, ciphertext = alice.send(b("content_key") + hashlib.sha256(content).digest(), ad)
    wrap = prekey_wrap(u("device_a"), ik_a_pub, ek_a_pub, case["spk_b_id"], case["opk_b_id"], header, ciphertext)
    return {**case, "content": content.hex(), "wrap": wrap.hex()}


def _envelope_case(with_opk: bool, payload: bytes | None = None) -> dict:
    device_a = str(uuid.UUID(int=0xA1))
    case = {"id": 1, "user_a": str(uuid.UUID(int=0xA0)), "device_a": device_a,
            "ik_a_private": _key(200).hex(), "ek_a_private": _key(201).hex(),
            "alice_ratchet_private": _key(202).hex(),
            "user_b": str(uuid.UUID(int=0xB0)), "device_b": str(uuid.UUID(int=0xB1)),
            "ik_b_private": _key(210).hex(), "spk_b_id": 7, "spk_b_private": _key(211).hex(),
            "opk_b_id": 42 if with_opk else None, "opk_b_private": _key(212).hex() if with_opk else None,
            "channel_id": str(uuid.UUID(int=0xC0)),
            "payload": (payload if payload is not None else _payload(device_a)).hex(),
            "content_key": _key(220).hex(), "content_nonce": _key(221)[:24].hex()}
    return make_envelope(case)


def _envelope_selftest(expect: _Expect) -> None:
    for with_opk in (True, False):
        good = _envelope_case(with_opk)
        tag = f"opk={with_opk}"
        expect(f"envelope {tag} good", _doc("envelope", good), 1, 0)
        if len(bytes.fromhex(good["wrap"])) != 210:
            expect.problems.append(f"envelope {tag}: the wrap is not 210 bytes")
        expect(f"envelope {tag} bad content", _doc("envelope", {**good, "content": _flip(good["content"], 30)}),
               0, 1, "content mismatch")
        expect(f"envelope {tag} bad wrap", _doc("envelope", {**good, "wrap": _flip(good["wrap"])}), 0, 1,
               "wrap mismatch")
        expect(f"envelope {tag} wrong channel", _doc("envelope", {**good, "channel_id": str(uuid.UUID(int=1))}),
               0, 1, "content mismatch")
        bad_wrap = {**good, "wrap": _flip(good["wrap"]), "result": "invalid"}
        expect(f"envelope {tag} tampered wrap invalid", _doc("envelope", bad_wrap), 1, 0)
        bad_content = {**good, "content": _flip(good["content"], 40), "result": "invalid"}
        expect(f"envelope {tag} tampered content invalid", _doc("envelope", bad_content), 1, 0)
        expect(f"envelope {tag} good as invalid", _doc("envelope", {**good, "result": "invalid"}), 0, 1,
               "expected invalid")
        inputs_only = {k: v for k, v in good.items() if k not in ("content", "wrap")}
        expect(f"envelope {tag} good inputs as invalid", _doc("envelope", {**inputs_only, "result": "invalid"}),
               0, 1, "expected invalid")
        # the wrap's digest binds it to exactly this content: a content sealed under the same key but for
        # another payload must not open with this wrap
        other = _envelope_case(with_opk, _payload(good["device_a"], body="other"))
        expect(f"envelope {tag} swapped content invalid",
               _doc("envelope", {**good, "content": other["content"], "result": "invalid"}), 1, 0)
    device_a = str(uuid.UUID(int=0xA1))
    upper = _envelope_case(True, _payload(device_a.upper(), reply_to=str(uuid.UUID(int=5)).upper()))
    expect("envelope uppercase UUIDs good", _doc("envelope", upper), 1, 0)
    for title, payload in (
            ("other sender_device", _payload(str(uuid.UUID(int=0xA2)))),
            ("v 2", _payload(device_a, v=2)),
            ("v true", _payload(device_a, v=True)),
            ("no sent_at", _payload(device_a).replace(b',"sent_at":"2025-01-02T03:04:05Z"', b"")),
            ("body not string", _payload(device_a, body=5)),
            ("bad edit_of", _payload(device_a, edit_of="not-a-uuid")),
            ("not JSON", b"hello"),
    ):
        case = _envelope_case(True, payload)
        expect(f"envelope payload {title}", _doc("envelope", case), 0, 1, "cannot open")
        expect(f"envelope payload {title} invalid", _doc("envelope", {**case, "result": "invalid"}), 1, 0)
        inputs_only = {k: v for k, v in case.items() if k not in ("content", "wrap")}
        expect(f"envelope payload {title} invalid, outputs absent",
               _doc("envelope", {**inputs_only, "result": "invalid"}), 1, 0)
    for size in (127, 128, 129, 192):  # padding boundaries: always at least one byte added
        filler = "x" * (size - len(_payload(device_a, body="")))
        case = _envelope_case(False, _payload(device_a, body=filler))
        if len(bytes.fromhex(case["payload"])) != size:
            expect.problems.append(f"envelope padding self-test: payload is not {size} bytes")
        expect(f"envelope payload size {size}", _doc("envelope", case), 1, 0)


def run_selftests(check_document: CheckDocument, problems: list[str]) -> None:
    expect = _Expect(check_document, problems)
    _x3dh_selftest(expect)
    _ratchet_selftest(expect)
    _envelope_selftest(expect)
    link_selftest(expect)
    authorization_selftest(expect)
