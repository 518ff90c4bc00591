"""The `ratchet` family (PROTOCOL.md section 4, VECTORS.md's event rules), run twice over every case.

(a) PackageSide: the published `doubleratchet` package (1.3.0) configured as UEDM/1.
(b) ReferenceSide: a small independent implementation written from Signal's Double Ratchet spec
    (section 3, no header encryption) on hmac/hashlib and libsodium (PyNaCl).
Both must reproduce every header and ciphertext byte for byte and agree on every invalid event; a case that
fails names the implementation that failed.

How the doubleratchet package is bent to UEDM/1
-----------------------------------------------
- Root chain: its `recommended.kdf_hkdf.KDF` with SHA-256 and info "UEDM1 Ratchet". Its KDFChain.step
  derives 64 bytes with salt = RK, ikm = DH output and keeps bytes 0..31 as the new RK, 32..63 as the
  chain key: exactly KDF_RK.
- Message chains: its `recommended.kdf_separate_hmacs.KDF` (HMAC-SHA-256, one HMAC per constant byte) with
  the chain constant 0x02 0x01: output = HMAC(ck, 0x02) || HMAC(ck, 0x01), the first half is the next chain
  key and the second the message key: exactly KDF_CK.
- AEAD: a subclass of its `AEAD` that takes the package's 32-byte message key, derives key and nonce with
  HKDF(0x00*32, mk, "UEDM1 MessageKeys", 56) and seals with XChaCha20-Poly1305-IETF from PyNaCl.
- Associated data: `_build_associated_data` returns ad || the 41-byte UEDM/1 header.
- X25519: the package's own `recommended.diffie_hellman_ratchet_curve25519` (OpenSSL via `cryptography`);
  only `_generate_priv` is overridden, to inject ratchet keys: it is a staticmethod in the package, replaced
  by an instance method that draws the next key of that side's list, the list position kept on the
  Diffie-Hellman ratchet object itself. `decrypt_message` works on a deep copy of that object and keeps it
  only on success, so a failed receive also rolls the list position back, as section 4 demands.
- Initialisation: Alice = `encrypt_initial_message(recipient_ratchet_pub = SPK_B.pub)` on her first send
  (draws her first key, then KDF_RK(SK, DH)); Bob = `decrypt_initial_message(own_ratchet_priv = SPK_B)` on
  his first successful receive, which is the spec's first DH ratchet step from RK = SK. A failed first
  receive returns no object, i.e. Bob's state stays "SK and SPK only".
- MAX_SKIP 1000 = `dos_protection_threshold`, 2000 stored keys = `max_num_skipped_message_keys` (the
  package evicts oldest first, as section 4 says).

Where the package cannot be bent (and the reference implementation carries that part)
-------------------------------------------------------------------------------------
- Header bytes: the package has no wire format for headers (its Header is a Python tuple). Encoding and
  parsing the 41 bytes (version 0x01, u32be PN and N) is done here, outside the package, by one function
  that feeds both implementations (`encode_header`/`parse_header`); the package only ever sees the tuple.
- Old-chain skip limit: when PN would skip more than MAX_SKIP keys of the old receiving chain, the package
  only *warns* ("More than 1000 message keys skipped...") and performs the ratchet step anyway, dropping
  those keys; UEDM/1 fails with tooManySkippedMessages and changes nothing. Bent by turning exactly that
  warning into an error inside `decrypt_message`, which runs on the package's deep copy, so the state is
  left as it was. The package checks that limit only when a receiving chain exists, while Signal's
  SkipMessageKeys (and the reference) checks Nr + MAX_SKIP < PN before that; the two differ only for a
  header with PN > 1000 arriving before any receiving chain, which no honest sender produces (PN is 0 in
  a peer's first chain) and no VECTORS.md tamper (which flips a bit of N) creates.
- A side without a sending chain (Bob before his first receive) cannot send in either implementation; a
  vector that asks for it is malformed.
- A key list that runs out: the package draws the new key *before* it decrypts, the reference only after
  the message decrypted. So the package's stand-in returns a marker key when the list is exhausted, and a
  receive that succeeds with the marker in place is reported as a malformed case (the list is too short),
  never taken as a decryption failure.
"""

from __future__ import annotations

import copy
import hashlib
import warnings
from collections import OrderedDict
from typing import Any, Callable

import doubleratchet
import nacl.bindings as sodium
import nacl.exceptions
from doubleratchet.recommended import crypto_provider as dr_crypto
from doubleratchet.recommended import diffie_hellman_ratchet_curve25519, kdf_hkdf, kdf_separate_hmacs

from uedm_common import (
    CaseFailure, dh, expected_result, field, flip_last_bit, hex_value, hexbytes, hkdf_hmac, hmac_sha256,
    run_async, u32be, x25519_public,
)

RATCHET_INFO = b"UEDM1 Ratchet"
MESSAGE_KEYS_INFO = b"UEDM1 MessageKeys"
HEADER_VERSION = 0x01
HEADER_SIZE = 41
MAX_SKIP = 1000
MAX_STORED_SKIPPED = 2000


class RatchetFailure(Exception):
    """A receive that fails (bad header, bad tag, replay, too many skipped keys...); state is unchanged."""


# ---------------------------------------------------------------------------
# shared by both implementations: header bytes and the message-key AEAD


def encode_header(ratchet_pub: bytes, pn: int, n: int) -> bytes:
    if len(ratchet_pub) != 32 or not (0 <= pn < 2**32 and 0 <= n < 2**32):
        raise RatchetFailure("header field out of range")
    return bytes([HEADER_VERSION]) + ratchet_pub + u32be(pn) + u32be(n)


def parse_header(raw: bytes) -> tuple[bytes, int, int]:
    if len(raw) != HEADER_SIZE:
        raise RatchetFailure(f"header has {len(raw)} bytes, not {HEADER_SIZE}")
    if raw[0] != HEADER_VERSION:
        raise RatchetFailure(f"header version {raw[0]:#04x}, not 0x01")
    return raw[1:33], int.from_bytes(raw[33:37], "big"), int.from_bytes(raw[37:41], "big")


def message_aead_keys(mk: bytes) -> tuple[bytes, bytes]:
    okm = hkdf_hmac(mk, b"\x00" * 32, MESSAGE_KEYS_INFO, 56)
    return okm[:32], okm[32:]


def seal(mk: bytes, plaintext: bytes, aad: bytes) -> bytes:
    key, nonce = message_aead_keys(mk)
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def open_sealed(mk: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    key, nonce = message_aead_keys(mk)
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad, nonce, key)
    except nacl.exceptions.CryptoError as err:
        raise RatchetFailure("AEAD authentication failed") from err


class KeyListExhausted(CaseFailure):
    def __init__(self, side: str) -> None:
        super().__init__(f"malformed case: {side} needs more ratchet keys than its list holds")


# ---------------------------------------------------------------------------
# (b) the independent reference implementation


def kdf_rk(rk: bytes, dh_out: bytes) -> tuple[bytes, bytes]:
    okm = hkdf_hmac(dh_out, rk, RATCHET_INFO, 64)
    return okm[:32], okm[32:]


def kdf_ck(ck: bytes) -> tuple[bytes, bytes]:
    """(next chain key, message key)."""
    return hmac_sha256(ck, b"\x02"), hmac_sha256(ck, b"\x01")


class ReferenceSide:
    """One party's session state, as Signal's spec names it. `keys` None: fresh random keys (opening only)."""

    def __init__(self, name: str, keys: list[bytes] | None) -> None:
        self.name = name
        self.keys = keys
        self.next_key = 0
        self.rk = b""
        self.dhs = b""
        self.dhs_pub = b""
        self.dhr: bytes | None = None
        self.cks: bytes | None = None
        self.ckr: bytes | None = None
        self.ns = self.nr = self.pn = 0
        self.skipped: OrderedDict[tuple[bytes, int], bytes] = OrderedDict()

    def _draw_key(self) -> None:
        if self.keys is None:
            self.dhs = sodium.randombytes(32)
        elif self.next_key < len(self.keys):
            self.dhs = self.keys[self.next_key]
        else:
            raise KeyListExhausted(self.name)
        self.next_key += 1
        self.dhs_pub = x25519_public(self.dhs)

    @classmethod
    def initiator(cls, sk: bytes, responder_spk_pub: bytes, keys: list[bytes]) -> "ReferenceSide":
        side = cls("alice", keys)
        side._draw_key()
        side.dhr = responder_spk_pub
        side.rk, side.cks = kdf_rk(sk, dh(side.dhs, side.dhr, "alice's initial DH"))
        return side

    @classmethod
    def responder(cls, sk: bytes, spk_private: bytes, keys: list[bytes] | None) -> "ReferenceSide":
        side = cls("bob", keys)
        side.rk, side.dhs, side.dhs_pub = sk, spk_private, x25519_public(spk_private)
        return side

    def state(self) -> tuple:
        return (self.next_key, self.rk, self.dhs, self.dhr, self.cks, self.ckr, self.ns, self.nr, self.pn,
                list(self.skipped.items()))

    def send(self, plaintext: bytes, ad: bytes) -> tuple[bytes, bytes]:
        if self.cks is None:
            raise CaseFailure(f"malformed case: {self.name} sends before it has a sending chain")
        self.cks, mk = kdf_ck(self.cks)
        header = encode_header(self.dhs_pub, self.pn, self.ns)
        self.ns += 1
        return header, seal(mk, plaintext, ad + header)

    def receive(self, header: bytes, ciphertext: bytes, ad: bytes) -> bytes:
        """Decrypt on a copy of the state and keep the copy only when everything succeeded."""
        work = copy.deepcopy(self)
        plaintext = work._receive(header, ciphertext, ad)
        self.__dict__.update(work.__dict__)
        return plaintext

    def _receive(self, header: bytes, ciphertext: bytes, ad: bytes) -> bytes:
        pub, pn, n = parse_header(header)
        aad = ad + header
        if (pub, n) in self.skipped:
            plaintext = open_sealed(self.skipped[(pub, n)], ciphertext, aad)
            del self.skipped[(pub, n)]
            return plaintext
        stepped = pub != self.dhr
        if stepped:
            self._skip(pn)
            # DH ratchet step, receiving half; the sending half (which draws a key) waits for success
            self.pn, self.ns, self.nr = self.ns, 0, 0
            self.dhr = pub
            self.rk, self.ckr = kdf_rk(self.rk, dh(self.dhs, self.dhr, f"{self.name}'s receiving DH"))
        elif n < self.nr:
            raise RatchetFailure(f"message {n} of this chain was already received (replay)")
        self._skip(n)
        assert self.ckr is not None
        self.ckr, mk = kdf_ck(self.ckr)
        self.nr += 1
        plaintext = open_sealed(mk, ciphertext, aad)
        if stepped:
            self._draw_key()
            self.rk, self.cks = kdf_rk(self.rk, dh(self.dhs, self.dhr, f"{self.name}'s sending DH"))
        return plaintext

    def _skip(self, until: int) -> None:
        if self.nr + MAX_SKIP < until:
            raise RatchetFailure(f"would skip {until - self.nr} message keys, more than {MAX_SKIP}")
        if self.ckr is None:
            return
        while self.nr < until:
            self.ckr, mk = kdf_ck(self.ckr)
            assert self.dhr is not None
            self.skipped[(self.dhr, self.nr)] = mk
            self.nr += 1
            while len(self.skipped) > MAX_STORED_SKIPPED:
                self.skipped.popitem(last=False)


# ---------------------------------------------------------------------------
# (a) the doubleratchet package, configured as UEDM/1


class _RootKDF(kdf_hkdf.KDF):
    @staticmethod
    def _get_hash_function() -> dr_crypto.HashFunction:
        return dr_crypto.HashFunction.SHA_256

    @staticmethod
    def _get_info() -> bytes:
        return RATCHET_INFO


class _ChainKDF(kdf_separate_hmacs.KDF):
    @staticmethod
    def _get_hash_function() -> dr_crypto.HashFunction:
        return dr_crypto.HashFunction.SHA_256


CHAIN_CONSTANT = b"\x02\x01"  # output = HMAC(ck, 0x02) [next chain key] || HMAC(ck, 0x01) [message key]


class _UedmAEAD(doubleratchet.AEAD):
    @staticmethod
    async def encrypt(plaintext: bytes, key: bytes, associated_data: bytes) -> bytes:
        return seal(key, plaintext, associated_data)

    @staticmethod
    async def decrypt(ciphertext: bytes, key: bytes, associated_data: bytes) -> bytes:
        try:
            return open_sealed(key, ciphertext, associated_data)
        except RatchetFailure as err:
            raise doubleratchet.AuthenticationFailedException(str(err)) from err


class _UedmDoubleRatchet(doubleratchet.DoubleRatchet):
    @staticmethod
    def _build_associated_data(associated_data: bytes, header: doubleratchet.Header) -> bytes:
        return associated_data + encode_header(header.ratchet_pub, header.previous_sending_chain_length,
                                               header.sending_chain_length)


# The marker the key stand-in hands out once a side's list is used up (see the module notes).
_EXHAUSTED = hashlib.sha256(b"uedm checker: ratchet key list exhausted").digest()


def _injected_dh_ratchet(keys: list[bytes]) -> type:
    """The package's Curve25519 DH ratchet whose key pairs come from `keys`, in order."""

    class InjectedKeys(diffie_hellman_ratchet_curve25519.DiffieHellmanRatchet):
        key_list = tuple(keys)

        def __init__(self) -> None:
            super().__init__()
            self.keys_drawn = 0  # part of the object, so the package's deep copy/rollback covers it

        def _generate_priv(self) -> bytes:  # type: ignore[override]
            index = self.keys_drawn
            self.keys_drawn += 1
            return self.key_list[index] if index < len(self.key_list) else _EXHAUSTED

    return InjectedKeys


# Exactly the warning the package gives instead of failing on too many skipped old-chain keys.
_OLD_CHAIN_WARNING = r"More than \d+ message keys skipped"
_PACKAGE_FAILURES = (doubleratchet.AuthenticationFailedException, doubleratchet.DecryptionFailedException,
                     doubleratchet.DoSProtectionException, doubleratchet.DuplicateMessageException, UserWarning)


class PackageSide:
    def __init__(self, name: str, sk: bytes, keys: list[bytes], peer_spk_pub: bytes | None,
                 own_spk: bytes | None) -> None:
        self.name = name
        self.sk = sk
        self.peer_spk_pub = peer_spk_pub  # initiator
        self.own_spk = own_spk  # responder
        self.config = (_injected_dh_ratchet(keys), _RootKDF, _ChainKDF, CHAIN_CONSTANT, MAX_SKIP,
                       MAX_STORED_SKIPPED, _UedmAEAD)
        self.ratchet: _UedmDoubleRatchet | None = None

    def state(self) -> Any:
        return None if self.ratchet is None else self.ratchet.model.model_dump()

    def _check_keys(self) -> None:
        assert self.ratchet is not None
        if self.ratchet.model.diffie_hellman_ratchet.own_ratchet_priv == _EXHAUSTED:
            raise KeyListExhausted(self.name)

    def send(self, plaintext: bytes, ad: bytes) -> tuple[bytes, bytes]:
        if self.ratchet is None:
            if self.peer_spk_pub is None:
                raise CaseFailure(f"malformed case: {self.name} sends before it has a sending chain")
            self.ratchet, message = run_async(_UedmDoubleRatchet.encrypt_initial_message(
                *self.config, self.sk, self.peer_spk_pub, plaintext, ad))
            self._check_keys()
        else:
            message = run_async(self.ratchet.encrypt_message(plaintext, ad))
        h = message.header
        return encode_header(h.ratchet_pub, h.previous_sending_chain_length, h.sending_chain_length), \
            message.ciphertext

    def receive(self, header: bytes, ciphertext: bytes, ad: bytes) -> bytes:
        pub, pn, n = parse_header(header)
        message = doubleratchet.EncryptedMessage(header=doubleratchet.Header(pub, pn, n), ciphertext=ciphertext)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=_OLD_CHAIN_WARNING, category=UserWarning)
                if self.ratchet is None:
                    if self.own_spk is None:
                        raise RatchetFailure(f"{self.name} has no session to receive with")
                    ratchet, plaintext = run_async(_UedmDoubleRatchet.decrypt_initial_message(
                        *self.config, self.sk, self.own_spk, message, ad))
                    self.ratchet = ratchet
                else:
                    plaintext = run_async(self.ratchet.decrypt_message(message, ad))
        except _PACKAGE_FAILURES as err:
            raise RatchetFailure(f"{type(err).__name__}: {err}") from err
        self._check_keys()
        return plaintext


# ---------------------------------------------------------------------------
# the event driver


def ratchet_inputs(case: dict) -> tuple[bytes, bytes, bytes, list[bytes], list[bytes], list]:
    if expected_result(case) != "valid":
        raise CaseFailure("malformed case: a ratchet case carries its invalid results on its events")
    sk, ad, spk = hexbytes(case, "sk", 32), hexbytes(case, "ad"), hexbytes(case, "bob_spk_private", 32)
    lists = []
    for name in ("alice_ratchet_privates", "bob_ratchet_privates"):
        value = field(case, name)
        if not isinstance(value, list):
            raise CaseFailure(f"malformed case: `{name}` is not a list")
        lists.append([hex_value(k, f"{name}[{i}]", 32) for i, k in enumerate(value)])
    events = field(case, "events")
    if not isinstance(events, list) or not events:
        raise CaseFailure("malformed case: `events` is not a non-empty list")
    return sk, ad, spk, lists[0], lists[1], events


def run_events(case: dict, make_sides: Callable[[bytes, bytes, list[bytes], list[bytes]], dict]) -> None:
    """Run the case's events on one implementation; raises CaseFailure at the first one that does not hold."""
    sk, ad, spk, alice_keys, bob_keys, events = ratchet_inputs(case)
    sides = make_sides(sk, spk, alice_keys, bob_keys)
    sent: list[tuple[str, bytes, bytes, bytes]] = []  # (sender, plaintext, header, ciphertext) from the vector
    for index, event in enumerate(events):
        where = f"event {index}"
        if not isinstance(event, dict) or ("send" in event) == ("receive" in event):
            raise CaseFailure(f"malformed case: {where} is neither a send nor a receive")
        if "send" in event:
            who = event["send"]
            if who not in sides:
                raise CaseFailure(f"malformed case: {where}: unknown side {who!r}")
            plaintext = hex_value(event.get("plaintext"), f"{where}.plaintext")
            want_header = hex_value(event.get("header"), f"{where}.header", HEADER_SIZE)
            want_ciphertext = hex_value(event.get("ciphertext"), f"{where}.ciphertext")
            header, ciphertext = sides[who].send(plaintext, ad)
            if header != want_header:
                raise CaseFailure(f"{where} (send {len(sent)} by {who}): header mismatch: expected "
                                  f"{want_header.hex()}, recomputed {header.hex()}")
            if ciphertext != want_ciphertext:
                raise CaseFailure(f"{where} (send {len(sent)} by {who}): ciphertext mismatch: expected "
                                  f"{want_ciphertext.hex()}, recomputed {ciphertext.hex()}")
            sent.append((who, plaintext, want_header, want_ciphertext))
            continue
        who, k = event["receive"], event.get("message")
        if who not in sides:
            raise CaseFailure(f"malformed case: {where}: unknown side {who!r}")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(sent):
            raise CaseFailure(f"malformed case: {where}: `message` {k!r} is not an earlier send")
        sender, plaintext, header, ciphertext = sent[k]
        if sender == who:
            raise CaseFailure(f"malformed case: {where}: {who} receives its own send {k}")
        result = event.get("result", "valid")
        tamper = event.get("tamper")
        if result not in ("valid", "invalid") or (tamper is not None and result != "invalid"):
            raise CaseFailure(f"malformed case: {where}: bad `result`/`tamper`")
        attempt_ad = ad
        if tamper == "header":
            header = flip_last_bit(header)
        elif tamper == "ciphertext":
            ciphertext = flip_last_bit(ciphertext)
        elif tamper == "ad":
            attempt_ad = flip_last_bit(ad)
        elif tamper is not None:
            raise CaseFailure(f"malformed case: {where}: unknown tamper {tamper!r}")
        label = f"{where} ({who} receives send {k}{', tampered ' + tamper if tamper else ''})"
        before = sides[who].state()
        try:
            got = sides[who].receive(header, ciphertext, attempt_ad)
        except RatchetFailure as err:
            if result == "valid":
                raise CaseFailure(f"{label}: expected to decrypt, failed: {err}") from err
            if sides[who].state() != before:
                raise CaseFailure(f"{label}: the failed receive changed {who}'s state")
            continue
        if result == "invalid":
            raise CaseFailure(f"{label}: expected to fail, but it decrypted")
        if got != plaintext:
            raise CaseFailure(f"{label}: decrypted {got.hex()}, sent {plaintext.hex()}")


def _reference_sides(sk: bytes, spk: bytes, alice_keys: list[bytes], bob_keys: list[bytes]) -> dict:
    if not alice_keys:
        raise KeyListExhausted("alice")
    return {"alice": ReferenceSide.initiator(sk, x25519_public(spk), alice_keys),
            "bob": ReferenceSide.responder(sk, spk, bob_keys)}


def _package_sides(sk: bytes, spk: bytes, alice_keys: list[bytes], bob_keys: list[bytes]) -> dict:
    return {"alice": PackageSide("alice", sk, alice_keys, x25519_public(spk), None),
            "bob": PackageSide("bob", sk, bob_keys, None, spk)}


IMPLEMENTATIONS = (("independent ratchet", _reference_sides), ("doubleratchet package", _package_sides))


def check_ratchet(case: dict) -> None:
    outcomes: list[tuple[str, str | None]] = []
    for name, make_sides in IMPLEMENTATIONS:
        try:
            run_events(case, make_sides)
            outcomes.append((name, None))
        except CaseFailure as err:
            outcomes.append((name, str(err)))
        except Exception as err:  # an implementation refusing its input: report which one
            outcomes.append((name, f"error {type(err).__name__}: {err}"))
    failed = [(name, why) for name, why in outcomes if why is not None]
    if not failed:
        return
    if str(failed[0][1]).startswith("malformed case"):
        raise CaseFailure(str(failed[0][1]))
    if len(failed) == len(outcomes):
        raise CaseFailure(f"{failed[0][1]} (both implementations fail)")
    name, why = failed[0]
    other = next(n for n, w in outcomes if w is None)
    raise CaseFailure(f"{name} fails, {other} passes: {why}")


# ---------------------------------------------------------------------------
# self-test material: an honest run of the reference implementation


def make_case(sk: bytes, ad: bytes, spk: bytes, alice_keys: list[bytes], bob_keys: list[bytes],
              script: list[tuple]) -> dict:
    """Build a ratchet case by running `script` on the reference implementation.

    Script entries: ("send", side, plaintext) | ("receive", side, k) | ("receive", side, k, tamper_or_None,
    "invalid")."""
    sides = _reference_sides(sk, spk, alice_keys, bob_keys)
    sent, events = [], []
    for step in script:
        if step[0] == "send":
            header, ciphertext = sides[step[1]].send(step[2], ad)
            sent.append((header, ciphertext))
            events.append({"send": step[1], "plaintext": step[2].hex(), "header": header.hex(),
                           "ciphertext": ciphertext.hex()})
        else:
            event: dict = {"receive": step[1], "message": step[2]}
            header, ciphertext = sent[step[2]]
            if len(step) > 3:
                event["result"] = step[4]
                if step[3] is not None:
                    event["tamper"] = step[3]
            else:
                sides[step[1]].receive(header, ciphertext, ad)
            events.append(event)
    return {"sk": sk.hex(), "ad": ad.hex(), "bob_spk_private": spk.hex(),
            "alice_ratchet_privates": [k.hex() for k in alice_keys],
            "bob_ratchet_privates": [k.hex() for k in bob_keys], "events": events}
