"""The pieces of `make bench` that decide correctness, checked quickly (no load, no timing)."""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
from email.message import EmailMessage

import pytest

from scripts.bench.identities import client_address, signer
from scripts.bench.options import parse_args
from scripts.bench.smtp_sink import Sink
from scripts.bench.stats import Recorder, percentile
from townhall.core.text import normalise_postcode


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    recorder = Recorder()
    recorder.ok("x", 0.010)
    recorder.fail("x", "boom")
    assert recorder.summary("x").ok == 1
    assert recorder.summary("x").errors == 1
    assert recorder.summary("x").p50_ms == pytest.approx(10.0)


def test_signers_are_unique_and_valid() -> None:
    people = [signer("r1", i) for i in range(5000)]
    for field in ("name", "email", "postcode"):
        assert len({p[field] for p in people}) == len(people)
    assert all(normalise_postcode(p["postcode"]) == p["postcode"] for p in people)


def test_each_journey_has_its_own_loopback_network() -> None:
    addresses = [ipaddress.ip_address(client_address(i)) for i in range(64_000)]
    assert all(a in ipaddress.ip_network("127.0.0.0/8") for a in addresses)
    assert len({ipaddress.ip_network(f"{a}/24", strict=False) for a in addresses}) == len(addresses)


def test_the_bench_refuses_other_databases_and_hosts() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--pg-url", "postgres://postgres@127.0.0.1:5432/townhall"])
    with pytest.raises(SystemExit):
        parse_args(["--pg-url", "postgres://postgres@db.example.org:5432/townhall_bench"])
    assert parse_args(["--backends", "sqlite"]).backends == ("sqlite",)
    with pytest.raises(SystemExit):
        parse_args(["--backends", "postgres,mysql"])


def test_the_smtp_sink_records_each_message_and_its_confirmation_link() -> None:
    links: list[tuple[str, int, str]] = []

    async def scenario() -> Sink:
        sink = Sink(on_link=lambda email, pk, token: links.append((email, pk, token)))
        port = await sink.start()

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                for i in range(3):
                    message = EmailMessage()
                    message["From"] = "petitions@townhall.invalid"
                    message["To"] = f"Signer{i}@example.org"
                    message["Subject"] = "Confirm your signature"
                    link = f"http://127.0.0.1:8000/signatures/{i + 1}/confirm/tok-{i}_{'x' * 40}/"
                    message.set_content(f"Dear signer,\n.\nOpen this link:\n\n{link}\n")
                    client.send_message(message)

        await asyncio.to_thread(send)
        await sink.stop()
        return sink

    sink = asyncio.run(scenario())
    assert sink.messages == 3
    assert dict(sink.received) == {f"signer{i}@example.org": 1 for i in range(3)}
    assert links == [(f"signer{i}@example.org", i + 1, f"tok-{i}_{'x' * 40}") for i in range(3)]
