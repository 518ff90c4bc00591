#!/usr/bin/env python3
"""The Olm anchors of `make bench`: the operations equivalent to ours, through the Python bindings of vodozemac
(`vodozemac`, Rust) and libolm (`python-olm`, C), timed in the same run as ours.

Usage: anchors.py OUT.json

Every figure is the median of 7 runs; each run times a block of operations with time.perf_counter_ns and divides.
Nothing is subtracted: each binding call also costs the Python interpreter's call overhead (up to about 0.3 µs a
call; a trivial vodozemac call takes 0.14 µs on the project's machine; a one-direction message is 2 calls, a set-up
3 or 4). The payload is 256 bytes, as ours.

- one_direction: encrypt + decrypt of one message in an established session, every message in the same
  direction (no DH step: the sender's chain just advances). Established = Alice's pre-key message read by Bob, Bob's
  reply read by Alice, one more message from Alice read by Bob.
- alternating: the same, each message in the other direction: every reply starts a new sending chain (a new
  ratchet key and a DH on the sender's side, a DH on the receiver's), as our alternating messages do.
- session_setup: Alice creates an outbound session from Bob's identity key and a one-time key, encrypts the first
  message; Bob creates the inbound session from that pre-key message and decrypts it (python-olm: InboundSession,
  remove_one_time_keys, decrypt; vodozemac's create_inbound_session decrypts and removes the key itself). Bob's
  one-time key is generated and published before the timer starts. No signature check: Olm signs one-time keys at
  the Matrix layer, outside the session; ours includes the signed pre-key's XEdDSA verification.
- fanout_10: one message encrypted for 10 devices with established sessions: 10 Olm encryptions of the payload (Olm
  has no shared content key; encrypting for each device is how a pairwise message reaches 10 devices).
"""

import json
import statistics
import sys
import time

import olm
import vodozemac

PAYLOAD = b"a" * 256
RUNS = 7


def per_op_us(block, count):
    """µs per operation over `count` operations of `block` (which performs them all), median of RUNS runs."""
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        block(count)
        samples.append((time.perf_counter_ns() - start) / count / 1000)
    return statistics.median(samples), samples


class Vodozemac:
    name = "vodozemac"

    def __init__(self):
        self.alice, self.bob = vodozemac.Account(), vodozemac.Account()

    def one_time_key(self, account):
        account.generate_one_time_keys(1)
        key = list(account.one_time_keys.values())[0]
        account.mark_keys_as_published()
        return key

    def setup(self, otk):
        outbound = self.alice.create_outbound_session(self.bob.curve25519_key, otk)
        message = outbound.encrypt(PAYLOAD)
        inbound, plaintext = self.bob.create_inbound_session(self.alice.curve25519_key, message.to_pre_key())
        return outbound, inbound, plaintext

    def established(self, bob=None):
        bob = bob or self.bob
        outbound = self.alice.create_outbound_session(bob.curve25519_key, self.one_time_key(bob))
        inbound, _ = bob.create_inbound_session(self.alice.curve25519_key, outbound.encrypt(PAYLOAD).to_pre_key())
        outbound.decrypt(inbound.encrypt(PAYLOAD))
        inbound.decrypt(outbound.encrypt(PAYLOAD))
        return outbound, inbound

    @staticmethod
    def decrypt(session, message):
        return session.decrypt(message)


class LibOlm:
    name = "libolm"

    def __init__(self):
        self.alice, self.bob = olm.Account(), olm.Account()

    def one_time_key(self, account):
        account.generate_one_time_keys(1)
        key = list(account.one_time_keys["curve25519"].values())[0]
        account.mark_keys_as_published()
        return key

    def setup(self, otk):
        outbound = olm.OutboundSession(self.alice, self.bob.identity_keys["curve25519"], otk)
        message = outbound.encrypt(PAYLOAD)
        inbound = olm.InboundSession(self.bob, message, self.alice.identity_keys["curve25519"])
        self.bob.remove_one_time_keys(inbound)
        return outbound, inbound, inbound.decrypt(message)

    def established(self, bob=None):
        bob = bob or self.bob
        outbound = olm.OutboundSession(self.alice, bob.identity_keys["curve25519"], self.one_time_key(bob))
        first = outbound.encrypt(PAYLOAD)
        inbound = olm.InboundSession(bob, first, self.alice.identity_keys["curve25519"])
        bob.remove_one_time_keys(inbound)
        inbound.decrypt(first)
        outbound.decrypt(inbound.encrypt(PAYLOAD))
        inbound.decrypt(outbound.encrypt(PAYLOAD))
        return outbound, inbound

    @staticmethod
    def decrypt(session, message):
        return session.decrypt(message)


def measure(lib):
    out = {}
    alice, bob = lib.established()

    def one_direction(count):
        for _ in range(count):
            lib.decrypt(bob, alice.encrypt(PAYLOAD))

    one_direction(200)
    out["ratchet_one_direction_us"] = per_op_us(one_direction, 1000)

    def alternating(count):
        for _ in range(count // 2):
            lib.decrypt(bob, alice.encrypt(PAYLOAD))
            lib.decrypt(alice, bob.encrypt(PAYLOAD))

    alternating(20)
    out["ratchet_alternating_us"] = per_op_us(alternating, 200)

    def setups(count):
        keys = [lib.one_time_key(lib.bob) for _ in range(count)]
        total = 0
        for key in keys:
            start = time.perf_counter_ns()
            lib.setup(key)
            total += time.perf_counter_ns() - start
        return total

    samples = []
    setups(5)
    for _ in range(RUNS):
        samples.append(setups(40) / 40 / 1000)
    out["session_setup_us"] = (statistics.median(samples), samples)

    devices = [lib.established(type(lib.bob)())[0] for _ in range(10)]

    def fanout(count):
        for _ in range(count):
            for session in devices:
                session.encrypt(PAYLOAD)

    fanout(20)
    out["fanout_10_devices_us"] = per_op_us(fanout, 100)
    return {name: {"value": value, "samples": runs} for name, (value, runs) in out.items()}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    results = {
        "versions": {"vodozemac": vodozemac_version(), "python-olm": olm_version()},
        "vodozemac": measure(Vodozemac()),
        "libolm": measure(LibOlm()),
    }
    with open(sys.argv[1], "w") as out:
        json.dump(results, out, indent=2)


def vodozemac_version():
    from importlib.metadata import version
    return version("vodozemac")


def olm_version():
    from importlib.metadata import version
    return version("python-olm")


if __name__ == "__main__":
    main()
