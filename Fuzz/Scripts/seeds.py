#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/Corpus/<target>/) from the JSON vectors in Vectors/.

Run from anywhere: `python3 Fuzz/Scripts/seeds.py`. The seeds are checked in; rerun after the vectors change.
"""
import hashlib
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "Vectors")
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")


def cases(family):
    with open(os.path.join(VECTORS, family + ".json")) as f:
        return json.load(f)["cases"]


def b64(data):
    import base64
    return base64.b64encode(data).decode().rstrip("=")


def write(target, seeds):
    folder = os.path.join(CORPUS, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for data in seeds:
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(set(seeds))} seeds")


def main():
    frames = [c["json"].encode() for c in cases("frame")]
    envelopes = cases("envelope")
    wraps = [bytes.fromhex(c["wrap"]) for c in envelopes if c.get("wrap")]
    contents = [bytes.fromhex(c["content"]) for c in envelopes if c.get("content")]
    payloads = [c["payload"].encode() for c in envelopes if isinstance(c.get("payload"), str)]

    write("FuzzFrame", frames)
    write("FuzzWrap", wraps + [w[:-1] for w in wraps] + [w[17:58] for w in wraps])
    write(
        "FuzzContent",
        [b"\x00" + c for c in contents]
        + [b"\x01" + bytes(24) + b"hello".ljust(5, b"\x00") + b"\x80" + bytes(58)]
        + [b"\x02" + b64(c).encode() for c in contents[:3]]
        + [b"\x02" + b"3q0=", b"\x02" + b"QQ=="],
    )
    write(
        "FuzzPayload",
        payloads
        + [
            json.dumps(
                {
                    "content": b64(contents[0]),
                    "message_keys": [{"device_id": envelopes[0]["device_b"], "encrypted_key": b64(wraps[0])}],
                }
            ).encode(),
            json.dumps({"device_id": "", "encrypted_key": b64(wraps[0])}).encode(),
        ],
    )
    bundles = []
    for c in cases("spk_signature"):
        device = {
            "device_id": c["device_id"],
            "identity_key": b64(bytes.fromhex(c["identity_public"])),
            "signed_pre_key_id": c["key_id"],
            "signed_pre_key": b64(bytes.fromhex(c["spk_public"])),
            "signature": b64(bytes.fromhex(c["signature"])),
        }
        body = {"user_id": "0b0b0000-0000-4000-8000-000000000001", "devices": [device]}
        bundles.append(json.dumps(body).encode())
        bundles.append(json.dumps({"data": body}).encode())
        key_id = c["key_id"] if 0 <= c["key_id"] < 2**32 else 0
        bundles.append(
            b"\x00"
            + bytes.fromhex(c["device_id"].replace("-", ""))
            + bytes.fromhex(c["identity_public"])
            + key_id.to_bytes(4, "big")
            + bytes.fromhex(c["spk_public"])
            + bytes.fromhex(c["signature"])
        )
    write("FuzzBundle", bundles)
    # FuzzReceive: mode, message index, routing, then the mode's own bytes (see FuzzReceive.swift).
    receive = [bytes([1, i, 0]) for i in range(9)]
    receive += [bytes([2, i, 0, choice, 1, 2, 3, 4, 5, 6, 7, 8]) for i in range(9) for choice in (1, 2, 4, 8, 0x40, 0x80)]
    receive += [bytes([0, 0, 0]) + w for w in wraps[:2]]
    write("FuzzReceive", receive)


if __name__ == "__main__":
    main()
