"""Two stateless web nodes behind nginx, as docs/deployment.md describes a scaled-out site.

One PostgreSQL database (plus a read-only stand-in for a read replica), two granian web
nodes, a task worker beside each node, exactly one scheduler, an SMTP sink, and nginx
rendered from deploy/nginx/townhall.conf.template in front. Residents sign and confirm
through nginx as a browser would (CSRF cookie and token), some pressing a button twice.
Then, once the counter has run:

- both nodes served signing requests (nginx's access log names the upstream);
- count.json through nginx, the verified rows and the signers all agree exactly;
- every signer got their confirmation email, and no email was sent twice by two workers;
- each signature was recorded with the signer's own address from X-Forwarded-For (not
  nginx's), and an address forged by the client was not believed;
- public reads went to the replica, which refuses writes, while signing still worked.

Run by `make test-scaleout` (CI runs it). Bounded: about 200 journeys, every wait has a
deadline, and every process started is stopped in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import psycopg
import pytest
from django.test import override_settings
from multidict import CIMultiDict

from config import env
from scripts.bench import procs
from scripts.bench.identities import client_address, signer
from scripts.bench.smtp_sink import Sink
from scripts.nginx_conf import render
from tests.deploy.documented import documented_command
from tests.local import free_port
from townhall.core.net import fingerprint

pytestmark = [pytest.mark.postgres, pytest.mark.scaleout]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
NGINX = "/usr/sbin/nginx"
DATABASE = "townhall_scaleout_nodes"
SECRET_KEY = "townhall-scaleout-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SIGNERS = 200
CONCURRENCY = 16
RUN = "two-nodes"
FORGED_SIGNER = 17
FORGED_ADDRESS = "203.0.113.9"
DEADLINE_SECONDS = 90.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = aiohttp.ClientTimeout(total=30)


def signs_twice(i: int) -> bool:
    """A double click on "Sign": the form is posted twice at once."""
    return i % 10 == 3


def confirms_twice(i: int) -> bool:
    """A double click on "Confirm", the two POSTs likely landing on different nodes."""
    return i % 10 == 6


def database_url(name: str) -> str:
    return urlparse(env.TEST_POSTGRES_URL)._replace(path=f"/{name}").geturl()


def recreate_database() -> None:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def fetch(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url(DATABASE)) as conn:
        return conn.execute(sql, params).fetchall()


def run_command(command: list[str], environment: dict[str, str], timeout: float) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Browser:
    """Residents using the site through nginx, each from their own loopback address."""

    base: str
    petition_id: int
    sign_redirects: dict[int, list[str]] = field(default_factory=dict)
    confirm_statuses: dict[str, list[int]] = field(default_factory=dict)
    confirmations: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    async def get_form(self, session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
        async with session.get(url) as response:
            html = await response.text()
            assert response.status == 200, f"GET {url}: {response.status}"
            jar: SimpleCookie = SimpleCookie()
            for header in response.headers.getall("Set-Cookie", []):
                jar.load(header)
        match = CSRF_INPUT.search(html)
        assert match is not None, f"GET {url}: no CSRF token"
        assert "csrftoken" in jar, f"GET {url}: no CSRF cookie"
        return f"csrftoken={jar['csrftoken'].value}", match.group(1)

    async def sign(self, i: int) -> None:
        person = signer(RUN, i)
        connector = aiohttp.TCPConnector(limit=2, local_addr=(client_address(i), 0))
        url = f"{self.base}/petitions/{self.petition_id}/sign/"
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT
        ) as session:
            cookie, token = await self.get_form(session, url)
            form = {
                "csrfmiddlewaretoken": token,
                "name": person["name"],
                "email": person["email"],
                "postcode": person["postcode"],
                "declared_eligible": "on",
            }
            headers = {"Cookie": cookie, "Origin": self.base, "Referer": url}
            if i == FORGED_SIGNER:
                # A client cannot choose the address recorded for it.
                headers["X-Forwarded-For"] = FORGED_ADDRESS

            async def post() -> str:
                async with session.post(url, data=form, headers=headers, allow_redirects=False) as response:
                    await response.read()
                    location = response.headers.get("Location", "")
                    assert response.status == 302, f"sign POST {i}: {response.status}"
                    return location

            locations = await asyncio.gather(*(post() for _ in range(2 if signs_twice(i) else 1)))
            self.sign_redirects[i] = locations
            async with session.get(self.base + locations[0], headers={"Cookie": cookie}) as response:
                await response.read()
                assert response.status == 200, f"check-email GET {i}: {response.status}"

    def on_link(self, email: str, pk: int, token: str) -> None:
        """The SMTP sink got a confirmation email: the resident opens it (once) and confirms."""
        if email in self.confirmations or not email.startswith("signer"):
            return
        i = int(email.removeprefix("signer").split(".", 1)[0])
        task = asyncio.get_running_loop().create_task(self.confirm(i, email, pk, token))
        self.confirmations[email] = task

    async def confirm(self, i: int, email: str, pk: int, token: str) -> None:
        url = f"{self.base}/signatures/{pk}/confirm/{token}/"
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=2), cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT
            ) as session:
                cookie, csrf = await self.get_form(session, url)

                async def post() -> int:
                    async with session.post(
                        url,
                        data={"csrfmiddlewaretoken": csrf},
                        headers={"Cookie": cookie, "Origin": self.base, "Referer": url},
                        allow_redirects=False,
                    ) as response:
                        html = await response.text()
                        # A re-rendered form would mean the confirmation was refused.
                        return response.status if "csrfmiddlewaretoken" not in html else -response.status

                self.confirm_statuses[email] = list(
                    await asyncio.gather(*(post() for _ in range(2 if confirms_twice(i) else 1)))
                )
        except (AssertionError, aiohttp.ClientError, TimeoutError) as error:
            self.failures.append(f"confirm {i}: {error!r}")


async def wait_until(what: str, check: Any, *, seconds: float, processes: procs.Processes) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        processes.check_alive()
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.25)


async def http_get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT) as session,
        session.get(url, headers=headers) as response,
    ):
        return response.status, response.headers.copy(), await response.read()


def say(started: float, text: str) -> None:
    sys.stdout.write(f"[{time.monotonic() - started:5.1f} s] {text}\n")
    sys.stdout.flush()


async def scenario(run_dir: Path, processes: procs.Processes, sink: Sink) -> None:
    started = time.monotonic()
    node_ports = [free_port(), free_port()]
    nginx_port = free_port()
    base = f"http://127.0.0.1:{nginx_port}"
    smtp_port = await sink.start()
    static_root = run_dir / "static"
    # A read-only stand-in for a streaming replica: same data, refuses writes, named in
    # pg_stat_activity so the test can see the nodes used it.
    replica_url = (
        database_url(DATABASE) + "?application_name=townhall-replica&options=-c%20default_transaction_read_only%3Don"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.scaleout",
        "PYTHONPATH": str(BASE_DIR),
        "TOWNHALL_SECRET_KEY": SECRET_KEY,
        "TOWNHALL_DEBUG": "false",
        "TOWNHALL_DATABASE_URL": database_url(DATABASE),
        "TOWNHALL_REPLICA_DATABASE_URL": replica_url,
        "TOWNHALL_BASE_URL": base,
        "TOWNHALL_ALLOWED_HOSTS": "127.0.0.1",
        "TOWNHALL_TRUSTED_PROXIES": "127.0.0.1",
        "TOWNHALL_STATIC_ROOT": str(static_root),
        "TOWNHALL_EMAIL_HOST": "127.0.0.1",
        "TOWNHALL_EMAIL_PORT": str(smtp_port),
        "TOWNHALL_EMAIL_USE_TLS": "false",
        "TOWNHALL_COUNTER_INTERVAL": "1",
        "TOWNHALL_EMAIL_INTERVAL": "0.5",
    }
    environment.pop("TOWNHALL_DATABASE_PGBOUNCER", None)

    # The deployment steps of docs/deployment.md, on a fresh database.
    say(started, f"creating {DATABASE}: migrate, an open petition, the cache table, static files")
    recreate_database()
    setup = json.loads(
        run_command([sys.executable, "-m", "scripts.bench.setup_db"], environment, 180).strip().splitlines()[-1]
    )
    petition_id, baseline = int(setup["petition_id"]), int(setup["baseline"])
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    run_command([*manage, "createcachetable"], environment, 60)
    run_command([*manage, "collectstatic", "--noinput", "-v", "0"], environment, 120)

    say(started, f"starting web nodes on {node_ports}, a task worker each, one scheduler, nginx on {nginx_port}")
    for name, port in zip("ab", node_ports, strict=True):
        # The documented commands (docs/deployment.md), one granian worker per node here.
        processes.start(
            f"web-{name}",
            [*documented_command(".venv/bin/granian", port=str(port), workers="1"), "--log-level", "warning"],
            env=environment,
            cwd=BASE_DIR,
        )
        # A task worker beside each node: both drain the same outbox.
        processes.start(
            f"worker-{name}",
            [
                *documented_command(".venv/bin/python manage.py worker"),
                *("--interval=0.2", "--no-startup-delay"),
            ],
            env=environment,
            cwd=BASE_DIR,
        )
    processes.start(
        "scheduler", documented_command(".venv/bin/python manage.py scheduler"), env=environment, cwd=BASE_DIR
    )

    conf = run_dir / "nginx.conf"
    (run_dir / "temp").mkdir()
    conf.write_text(
        render(
            nodes=[f"127.0.0.1:{port}" for port in node_ports],
            listen=f"127.0.0.1:{nginx_port}",
            static_root=str(static_root),
            access_log=str(run_dir / "access.log"),
            error_log=str(run_dir / "error.log"),
            cache_dir=str(run_dir / "cache"),
            temp_dir=str(run_dir / "temp"),
        )
    )
    processes.start(
        "nginx",
        [NGINX, "-p", str(run_dir), "-c", str(conf), "-e", str(run_dir / "error.log"), "-g", "daemon off;"],
        env=environment,
        cwd=run_dir,
    )

    async def ready(url: str) -> bool:
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            return (await http_get(url))[0] == 200
        return False

    for port in [*node_ports, nginx_port]:
        url = f"http://127.0.0.1:{port}/petitions/{petition_id}/count.json"
        await wait_until(f"{url} to answer", lambda url=url: ready(url), seconds=60, processes=processes)

    # Signing and confirming through nginx.
    say(started, f"{SIGNERS} residents sign through nginx, {CONCURRENCY} at a time, and confirm from their email")
    browser = Browser(base=base, petition_id=petition_id)
    sink.on_link = browser.on_link
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with slots:
            try:
                await browser.sign(i)
            except (AssertionError, aiohttp.ClientError, TimeoutError) as error:
                browser.failures.append(f"sign {i}: {error!r}")

    await asyncio.gather(*(one(i) for i in range(SIGNERS)))
    assert browser.failures == []

    async def all_confirmed() -> bool:
        return len(browser.confirm_statuses) + len(browser.failures) >= SIGNERS

    await wait_until("every confirmation", all_confirmed, seconds=DEADLINE_SECONDS, processes=processes)
    await asyncio.gather(*browser.confirmations.values())
    assert browser.failures == []

    # The counter: count.json through nginx reaches exactly the confirmed number.
    say(started, "all confirmed; waiting for the counter and the outbox")
    expected = baseline + SIGNERS
    count_url = f"{base}/petitions/{petition_id}/count.json"

    async def counted() -> bool:
        status, _, body = await http_get(count_url)
        return status == 200 and json.loads(body)["signature_count"] == expected

    await wait_until(f"count.json to show {expected}", counted, seconds=DEADLINE_SECONDS, processes=processes)

    async def outbox_drained() -> bool:
        owed = fetch("SELECT count(*) FROM signatures_signature WHERE email_pending")[0][0]
        waiting = fetch("SELECT count(*) FROM mail_queuedemail WHERE status IN ('queued', 'deferred')")[0][0]
        return owed == waiting == 0

    await wait_until("the outbox to drain", outbox_drained, seconds=DEADLINE_SECONDS, processes=processes)
    await asyncio.sleep(2.0)  # a few more sender and counter runs: a late duplicate would arrive now

    # Public reads through nginx, some of which reach the replica (the rest come from caches).
    for path in [
        "/",
        "/petitions/",
        f"/petitions/{petition_id}/",
        "/petitions.json",
        f"/api/v1/petitions/{petition_id}",
    ]:
        status, headers, _ = await http_get(base + path)
        assert status == 200, path
    status, headers, _ = await http_get(count_url)
    assert headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert "ETag" in headers
    assert "Last-Modified" in headers
    # Sign pages are never cached by nginx (no-store, Set-Cookie).
    sign_url = f"{base}/petitions/{petition_id}/sign/"
    for _ in range(2):
        status, headers, _ = await http_get(sign_url)
        assert status == 200
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Cache-Status"] != "HIT"
    # A static file, served by nginx itself.
    stylesheet = next(static_root.rglob("*.css"))
    static_path = "/static/" + stylesheet.relative_to(static_root).as_posix()
    status, _, body = await http_get(base + static_path)
    assert status == 200
    assert body == stylesheet.read_bytes()

    replica_sessions = fetch(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'townhall-replica'",
        (DATABASE,),
    )[0][0]
    processes.check_alive()

    say(started, "checking the database, the mail sink and nginx's access log")
    # --- what the database, the mail sink and nginx's log say -------------------------
    emails = [signer(RUN, i)["email"] for i in range(SIGNERS)]
    rows = {
        email: (state, emails_sent, ip_hash, ip_prefix)
        for email, state, emails_sent, ip_hash, ip_prefix in fetch(
            "SELECT email, state, emails_sent, ip_hash, ip_prefix FROM signatures_signature "
            "WHERE petition_id = %s AND NOT is_sponsor",
            (petition_id,),
        )
    }
    signature_rows = fetch(
        "SELECT count(*) FROM signatures_signature WHERE petition_id = %s AND NOT is_sponsor", (petition_id,)
    )[0][0]
    verified = fetch(
        "SELECT count(*) FROM signatures_signature WHERE petition_id = %s AND state = 'verified'", (petition_id,)
    )[0][0]
    stored_count = fetch("SELECT signature_count FROM petitions_petition WHERE id = %s", (petition_id,))[0][0]

    # One row per signer, however often they pressed the button; all verified and counted.
    assert signature_rows == SIGNERS
    assert sorted(rows) == sorted(emails)
    assert {state for state, *_ in rows.values()} == {"verified"}
    assert verified == expected == stored_count
    # A double click on "Sign" made one signature (above); both presses got the same answer,
    # which never says whether the address had signed.
    check_email = f"/petitions/{petition_id}/sign/check-your-email/"
    assert all(set(redirects) == {check_email} for redirects in browser.sign_redirects.values())
    assert sum(len(redirects) for redirects in browser.sign_redirects.values()) > len(browser.sign_redirects)
    # A double click on "Confirm" showed a page both times and counted once (checked above).
    assert all(statuses == [200] * len(statuses) for statuses in browser.confirm_statuses.values())

    # Mail: everyone got their confirmation; no message went out more often than the database
    # recorded sending it, so two workers never sent the same email. Signers who pressed
    # "Sign" once got exactly one; a second press may ask for one more, by design.
    received: Counter[str] = sink.received
    assert sink.messages == sum(received.values())
    for i, email in enumerate(emails):
        emails_sent = rows[email][1]
        assert received[email] == emails_sent, email
        assert received[email] == 1 or (signs_twice(i) and received[email] == 2), email
    assert {email for email in received if email.startswith("signer")} == set(emails)

    # Both nodes served signing requests, as nginx's access log records.
    log_lines = (run_dir / "access.log").read_text().splitlines()
    upstreams = Counter(
        match.group(1)
        for line in log_lines
        if f'"POST /petitions/{petition_id}/sign/"' in line and (match := re.search(r" upstream=(\S+) ", line))
    )
    assert set(upstreams) == {f"127.0.0.1:{port}" for port in node_ports}, upstreams
    assert sum(upstreams.values()) == SIGNERS + sum(1 for i in range(SIGNERS) if signs_twice(i))
    # The static file came from nginx, not a node; no emailed token or client address is logged.
    assert any(f'"GET {static_path}" 200' in line and " upstream=- " in line for line in log_lines)
    assert not any(token_in_log(line) for line in log_lines)
    assert not any(client_address(i) in line for line in log_lines for i in (0, 1, FORGED_SIGNER))

    # X-Forwarded-For: the app recorded each signer's own address (kept only as a keyed hash
    # and its /24), not nginx's 127.0.0.1, and not what a client put in the header.
    with override_settings(SECRET_KEY=SECRET_KEY):
        for i in (0, 1, FORGED_SIGNER):
            own = fingerprint(client_address(i))
            assert rows[signer(RUN, i)["email"]][2:] == (own.ip_hash, own.ip_prefix), i
        nginx_itself = fingerprint("127.0.0.1")
        forged = fingerprint(FORGED_ADDRESS)
    assert all(row[2] != nginx_itself.ip_hash for row in rows.values())
    assert all(row[3] != str(ipaddress.ip_network(f"{FORGED_ADDRESS}/24", strict=False)) for row in rows.values())
    assert rows[signer(RUN, FORGED_SIGNER)["email"]][2] != forged.ip_hash

    # Public reads used the replica (which refuses writes: every write above went to the primary).
    assert replica_sessions > 0

    print(
        f"\ntwo nodes behind nginx: {SIGNERS} signers ({sum(map(signs_twice, range(SIGNERS)))} signed twice, "
        f"{sum(map(confirms_twice, range(SIGNERS)))} confirmed twice); sign POSTs per node {dict(upstreams)}; "
        f"count.json {expected} = {baseline} sponsors + {SIGNERS}; {sink.messages} emails for "
        f"{len(emails)} signers and set-up; replica sessions {replica_sessions}"
    )


def token_in_log(line: str) -> bool:
    """An emailed link's token in the access log (they are logged as "-")."""
    match = re.search(r"/signatures/\d+/confirm/([^/\s\"]+)/", line)
    return match is not None and match.group(1) != "-"


def test_two_web_nodes_behind_nginx() -> None:
    assert Path(NGINX).is_file(), "nginx is missing: run scripts/ensure-nginx (make test-scaleout does)"
    run_dir = Path(tempfile.mkdtemp(prefix="townhall-scaleout-"))
    # nginx's worker processes may run as an unprivileged user: let them read and write here.
    run_dir.chmod(0o755)
    processes = procs.Processes(log_dir=run_dir)
    sink = Sink()
    passed = False

    async def main() -> None:
        try:
            await asyncio.wait_for(scenario(run_dir, processes, sink), timeout=240)
        finally:
            await sink.stop()

    try:
        asyncio.run(main())
        passed = True
    except BaseException:
        for name in [*processes.children, "error"]:
            sys.stderr.write(f"--- {name}.log ---\n{tail(run_dir / f'{name}.log')}\n")
        raise
    finally:
        processes.stop_all(timeout=15)
        with contextlib.suppress(psycopg.Error):
            drop_database()
        if passed:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            sys.stderr.write(f"logs kept in {run_dir}\n")
