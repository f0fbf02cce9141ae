"""Verifies a Switchboard webhook (the Python snippet in the README, "Handoff webhook").

The Switchboard-Signature header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
Run as a script (the end-to-end test does): verify_webhook.py SECRET HEADER < raw body; exit 0 if valid.
"""
import hashlib
import hmac
import sys
import time


def verify_switchboard_signature(secret: str, header: str, raw_body: bytes, tolerance_seconds: int = 300) -> bool:
    parts = [p.strip().split("=", 1) for p in header.split(",") if "=" in p]
    timestamps = [v for k, v in parts if k == "t"]
    signatures = [v for k, v in parts if k == "v1"]
    if not timestamps or not timestamps[0].isdigit() or not signatures:
        return False
    t = int(timestamps[0])
    if abs(time.time() - t) > tolerance_seconds:  # a replay, or a clock far off
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


if __name__ == "__main__":
    sys.exit(0 if verify_switchboard_signature(sys.argv[1], sys.argv[2], sys.stdin.buffer.read()) else 1)
