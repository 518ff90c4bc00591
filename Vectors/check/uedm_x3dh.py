"""The `x3dh` family (PROTOCOL.md section 3), recomputed twice.

1. Independently: the four X25519 outputs by libsodium, OpenSSL and a reference ladder, from the
   initiator's and from the responder's side, then HKDF (cryptography, cross-checked with hmac/hashlib).
2. Through the published `x3dh` package (1.3.0), configured as UEDM/1: identity key format CURVE_25519,
   hash SHA-256 (so its HKDF salt is 32 zero bytes), info "UEDM1 X3DH", and every private key injected.
   Its key derivation is already ours byte for byte -- ikm = 0xFF*32 || DH1 || DH2 || DH3 [|| DH4] with the
   same DH order -- so `sk` needs no override at all. The package is run from both sides:
   - responder (`get_shared_secret_passive`): Bob's identity key, SPK and OPK go in through the package's
     own state model (`BaseState.from_model`); Alice's public keys come in the package's `Header`. No patch.
   - initiator (`get_shared_secret_active`): Alice's identity key is passed to `create`; the ephemeral key
     is drawn inside the method from `secrets.token_bytes(32)` with no hook, so for that one call the
     package module's `secrets` name is pointed at a stand-in that returns `ek_a_private` (the narrowest
     injection there is). The OPK is "chosen" from a one-key bundle, so `secrets.choice` has no choice.
     The package verifies the bundle's SPK signature over its own encoding of the SPK (here: the 32 raw
     bytes), not over UEDM/1's "UEDM1 SPK" || device || key id || SPK message; so the checker signs the
     raw SPK with IK_B for that call. UEDM/1's SPK signature is checked by the `spk_signature` family.
   Where the package cannot be bent: the associated data. The package's AD is
   encode(IK_A) || encode(IK_B) || appendix; UEDM/1's is "UEDM1" || IK_A || IK_B || four UUIDs, and the
   package has no way to put bytes *before* the identity keys. With encode = raw bytes and the UUIDs as the
   appendix, the package gives exactly AD[5:]; the checker computes AD itself and confirms
   AD == "UEDM1" || package AD.
"""

from __future__ import annotations

import types
from typing import Any

import x3dh
import x3dh.base_state
import xeddsa

from uedm_common import (
    CaseFailure, dh, expected_result, hexbytes, hkdf_sha256, optional_hexbytes, run_async, same, uuid_bytes,
    verdict, x25519_public,
)

X3DH_INFO = b"UEDM1 X3DH"


def uedm_ad(ik_a_pub: bytes, ik_b_pub: bytes, user_a: bytes, device_a: bytes, user_b: bytes,
            device_b: bytes) -> bytes:
    """PROTOCOL.md section 3 step 6: the 133-byte associated data (A is always the initiator)."""
    ad = b"UEDM1" + ik_a_pub + ik_b_pub + user_a + device_a + user_b + device_b
    assert len(ad) == 133
    return ad


def x3dh_initiator_ikm(ik_a: bytes, ek_a: bytes, ik_b_pub: bytes, spk_b_pub: bytes,
                       opk_b_pub: bytes | None) -> bytes:
    ikm = b"\xff" * 32 + dh(ik_a, spk_b_pub, "DH1") + dh(ek_a, ik_b_pub, "DH2") + dh(ek_a, spk_b_pub, "DH3")
    if opk_b_pub is not None:
        ikm += dh(ek_a, opk_b_pub, "DH4")
    return ikm


def x3dh_responder_ikm(ik_b: bytes, spk_b: bytes, opk_b: bytes | None, ik_a_pub: bytes,
                       ek_a_pub: bytes) -> bytes:
    ikm = b"\xff" * 32 + dh(spk_b, ik_a_pub, "DH1") + dh(ik_b, ek_a_pub, "DH2") + dh(spk_b, ek_a_pub, "DH3")
    if opk_b is not None:
        ikm += dh(opk_b, ek_a_pub, "DH4")
    return ikm


def x3dh_sk(ikm: bytes) -> bytes:
    return hkdf_sha256(ikm, b"\x00" * 32, X3DH_INFO, 32)


# ---------------------------------------------------------------------------
# the x3dh package, configured as UEDM/1


class _UedmX3DHState(x3dh.BaseState):
    """BaseState with the public-key encoding UEDM/1 uses everywhere: the 32 raw X25519 bytes."""

    @staticmethod
    def _encode_public_key(key_format: x3dh.IdentityKeyFormat, pub: bytes) -> bytes:
        return pub


_PACKAGE_CONFIG = (x3dh.IdentityKeyFormat.CURVE_25519, x3dh.HashFunction.SHA_256, X3DH_INFO)


def _responder_state(ik_b: bytes, spk_b: bytes, opk_b: bytes | None) -> _UedmX3DHState:
    model = x3dh.BaseStateModel(
        identity_key=x3dh.IdentityKeyPairModel(secret=ik_b, secret_type=x3dh.types.SecretType.PRIV),
        signed_pre_key=x3dh.SignedPreKeyPairModel(priv=spk_b, sig=b"\x00" * 64, timestamp=0),
        old_signed_pre_key=None,
        pre_keys=frozenset() if opk_b is None else frozenset({opk_b}),
    )
    return _UedmX3DHState.from_model(model, *_PACKAGE_CONFIG)


def package_x3dh_responder(ik_b: bytes, spk_b: bytes, opk_b: bytes | None, ik_a_pub: bytes, ek_a_pub: bytes,
                           appendix: bytes) -> tuple[bytes, bytes]:
    """(sk, package AD) from Bob's side, every key injected through the package's state model."""
    bob = _responder_state(ik_b, spk_b, opk_b)
    header = x3dh.Header(identity_key=ik_a_pub, ephemeral_key=ek_a_pub, signed_pre_key=x25519_public(spk_b),
                         pre_key=None if opk_b is None else x25519_public(opk_b))
    sk, ad, _ = run_async(bob.get_shared_secret_passive(header, appendix, require_pre_key=False))
    return sk, ad


def package_x3dh_initiator(ik_a: bytes, ek_a: bytes, ik_b: bytes, spk_b: bytes, opk_b: bytes | None,
                           appendix: bytes) -> tuple[bytes, bytes]:
    """(sk, package AD) from Alice's side; the ephemeral key is injected for the one call."""
    alice = _UedmX3DHState.create(*_PACKAGE_CONFIG, identity_key_pair=x3dh.identity_key_pair.IdentityKeyPairPriv(ik_a))
    spk_b_pub = x25519_public(spk_b)
    # Signed as the package signs its own SPKs (XEdDSA, sign bit forced to 0) over its SPK encoding.
    signature = xeddsa.ed25519_priv_sign(xeddsa.priv_force_sign(ik_b, False), spk_b_pub)
    bundle = x3dh.Bundle(identity_key=x25519_public(ik_b), signed_pre_key=spk_b_pub, signed_pre_key_sig=signature,
                         pre_keys=frozenset() if opk_b is None else frozenset({x25519_public(opk_b)}))

    def token_bytes(n: int) -> bytes:
        if n != 32:
            raise CaseFailure(f"internal: the x3dh package asked for {n} random bytes, not an ephemeral key")
        return ek_a

    stand_in: Any = types.SimpleNamespace(token_bytes=token_bytes, choice=lambda seq: list(seq)[0])
    real = x3dh.base_state.secrets
    x3dh.base_state.secrets = stand_in
    try:
        sk, ad, header = run_async(alice.get_shared_secret_active(bundle, appendix, require_pre_key=False))
    finally:
        x3dh.base_state.secrets = real
    if header.ephemeral_key != x25519_public(ek_a):
        raise CaseFailure("internal: the x3dh package did not use the injected ephemeral key")
    return sk, ad


def check_x3dh(case: dict) -> None:
    result = expected_result(case)
    ik_a = hexbytes(case, "ik_a_private", 32)
    ek_a = hexbytes(case, "ek_a_private", 32)
    ik_b = hexbytes(case, "ik_b_private", 32)
    spk_b = hexbytes(case, "spk_b_private", 32)
    opk_b = optional_hexbytes(case, "opk_b_private", 32)
    ids = [uuid_bytes(case, n) for n in ("user_a", "device_a", "user_b", "device_b")]
    appendix = b"".join(ids)
    ik_a_pub, ik_b_pub = x25519_public(ik_a), x25519_public(ik_b)
    spk_b_pub, ek_a_pub = x25519_public(spk_b), x25519_public(ek_a)
    opk_b_pub = None if opk_b is None else x25519_public(opk_b)
    try:
        ikm = x3dh_initiator_ikm(ik_a, ek_a, ik_b_pub, spk_b_pub, opk_b_pub)
    except CaseFailure as err:
        # the package must refuse it as well (libxeddsa refuses an all-zero X25519 output)
        try:
            package_x3dh_responder(ik_b, spk_b, opk_b, ik_a_pub, ek_a_pub, appendix)
        except xeddsa.XEdDSAException:
            pass
        else:
            raise CaseFailure(f"the x3dh package accepted what the independent X3DH refused ({err})")
        verdict(result, False, str(err))
        return
    if x3dh_responder_ikm(ik_b, spk_b, opk_b, ik_a_pub, ek_a_pub) != ikm:
        raise CaseFailure("internal cross-check: responder-side DH outputs differ")
    verdict(result, True, "X3DH succeeded")
    sk = x3dh_sk(ikm)
    ad = uedm_ad(ik_a_pub, ik_b_pub, *ids)
    same("sk", sk, hexbytes(case, "sk", 32))
    same("ad", ad, hexbytes(case, "ad", 133))
    for side, run in (("responder", lambda: package_x3dh_responder(ik_b, spk_b, opk_b, ik_a_pub, ek_a_pub, appendix)),
                      ("initiator", lambda: package_x3dh_initiator(ik_a, ek_a, ik_b, spk_b, opk_b, appendix))):
        package_sk, package_ad = run()
        if package_sk != sk:
            raise CaseFailure(f"x3dh package ({side}) gives sk {package_sk.hex()}, independent X3DH {sk.hex()}")
        if b"UEDM1" + package_ad != ad:
            raise CaseFailure(f"x3dh package ({side}): \"UEDM1\" || package AD != AD")
