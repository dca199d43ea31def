"""Unique, valid signers and client addresses for journey number i (pure functions, tested)."""

from __future__ import annotations

# Letters allowed in the inward part of a UK postcode (no C, I, K, M, O, V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SECOND_OCTETS = 250  # 127.1-250.x.y


def signer(run: str, i: int) -> dict[str, str]:
    """Name, email and postcode, all unique per (run, i) for i < 396,000."""
    letters = len(INWARD_LETTERS)
    district = i % 99 + 1
    rest = i // 99
    digit = rest % 10
    rest //= 10
    inward = f"{digit}{INWARD_LETTERS[rest % letters]}{INWARD_LETTERS[(rest // letters) % letters]}"
    return {
        "name": f"Bench Signer {run} {i}",
        "email": f"signer{i}.{run}@example.org",
        "postcode": f"KM{district} {inward}",
    }


def client_address(i: int) -> str:
    """A loopback address for journey i, each in its own /24 for the first 64,000 journeys.

    Linux routes all of 127.0.0.0/8 to the loopback interface, so a client can bind any of
    these and still reach 127.0.0.1: the server sees as many distinct signers' networks as
    a real surge would, and the per-IP and per-/24 rate-limit query does realistic work.
    """
    second = i % SECOND_OCTETS + 1
    third = (i // SECOND_OCTETS) % 256
    fourth = (i // (SECOND_OCTETS * 256)) % 254 + 1
    return f"127.{second}.{third}.{fourth}"
