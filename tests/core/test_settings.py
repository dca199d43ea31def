"""Settings: production refuses to start misconfigured, and bad environment values are
named clearly. Each import runs in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

GOOD_PROD_ENV = {
    "TOWNHALL_SECRET_KEY": "k" * 50,
    "TOWNHALL_EMAIL_HOST": "smtp.example.org",
    "TOWNHALL_BASE_URL": "https://petitions.example.org",
    "TOWNHALL_DATABASE_URL": "postgres://townhall@127.0.0.1:5432/townhall",
}

SECRET_PROBLEM = "TOWNHALL_SECRET_KEY must be set to a random string of at least 50 characters"
DEBUG_PROBLEM = "TOWNHALL_DEBUG must not be true in production"
EMAIL_PROBLEM = "TOWNHALL_EMAIL_HOST must name the outgoing mail server"
BASE_URL_PROBLEM = "TOWNHALL_BASE_URL must be the public https:// address of the site"
DATABASE_PROBLEM = "TOWNHALL_DATABASE_URL must point at PostgreSQL in production"
ALL_PROBLEMS = [SECRET_PROBLEM, DEBUG_PROBLEM, EMAIL_PROBLEM, BASE_URL_PROBLEM, DATABASE_PROBLEM]


def _import(module: str, env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    """Import `module` in a new interpreter whose environment holds only `env`."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(django_settings.BASE_DIR)),
        **env,
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", f"import {module} as s\n{code}"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The ImproperlyConfigured message from a failed import."""
    assert result.returncode != 0, result.stdout
    [line] = [x for x in result.stderr.splitlines() if x.startswith("django.core.exceptions.ImproperlyConfigured:")]
    return line.removeprefix("django.core.exceptions.ImproperlyConfigured: ")


def test_production_starts_when_configured() -> None:
    result = _import(
        "config.settings.prod",
        GOOD_PROD_ENV,
        "print(s.DEBUG, s.SECRET_KEY == 'k' * 50, s.DATABASES['default']['ENGINE'], s.SESSION_COOKIE_SECURE)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "django.db.backends.postgresql", "True"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"TOWNHALL_SECRET_KEY": ""}, SECRET_PROBLEM),
        ({"TOWNHALL_SECRET_KEY": "k" * 49}, SECRET_PROBLEM),
        ({"TOWNHALL_DEBUG": "true"}, DEBUG_PROBLEM),
        ({"TOWNHALL_EMAIL_HOST": ""}, EMAIL_PROBLEM),
        ({"TOWNHALL_BASE_URL": "http://petitions.example.org"}, BASE_URL_PROBLEM),
        ({"TOWNHALL_BASE_URL": "petitions.example.org"}, BASE_URL_PROBLEM),
        ({"TOWNHALL_DATABASE_URL": "sqlite:///{tmp}/prod.sqlite3"}, DATABASE_PROBLEM),
    ],
    ids=["no-secret", "short-secret", "debug", "no-email-host", "http-base-url", "bare-base-url", "sqlite"],
)
def test_production_refuses_each_misconfiguration_by_name(
    changes: dict[str, str], problem: str, tmp_path: Path
) -> None:
    env = {**GOOD_PROD_ENV, **{k: v.format(tmp=tmp_path) for k, v in changes.items()}}

    message = _refusal(_import("config.settings.prod", env))

    assert message == f"Townhall cannot start: {problem}."


def test_production_with_missing_variables_refuses_with_every_problem_listed(tmp_path: Path) -> None:
    env = {"TOWNHALL_DEBUG": "yes", "TOWNHALL_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}

    message = _refusal(_import("config.settings.prod", env))

    assert message == "Townhall cannot start: " + "; ".join(ALL_PROBLEMS) + "."


def test_production_with_only_the_defaults_refuses_to_start() -> None:
    # No TOWNHALL_* variables at all: the embedded SQLite default must not reach production.
    message = _refusal(_import("config.settings.prod", {"TOWNHALL_DATABASE_URL": "sqlite://:memory:"}))

    for problem in [SECRET_PROBLEM, EMAIL_PROBLEM, BASE_URL_PROBLEM, DATABASE_PROBLEM]:
        assert problem in message
    assert DEBUG_PROBLEM not in message


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TOWNHALL_PORT", "eighty", "TOWNHALL_PORT must be a whole number, got 'eighty'"),
        ("TOWNHALL_EMAIL_PORT", "25.5", "TOWNHALL_EMAIL_PORT must be a whole number, got '25.5'"),
        ("TOWNHALL_DEBUG", "maybe", "TOWNHALL_DEBUG must be true or false, got 'maybe'"),
        ("TOWNHALL_EMAIL_USE_TLS", "2", "TOWNHALL_EMAIL_USE_TLS must be true or false, got '2'"),
        (
            "TOWNHALL_SECURE_SSL_REDIRECT",
            "enabled",
            "TOWNHALL_SECURE_SSL_REDIRECT must be true or false, got 'enabled'",
        ),
        ("TOWNHALL_COUNTER_INTERVAL", "fast", "TOWNHALL_COUNTER_INTERVAL must be a number, got 'fast'"),
        (
            "TOWNHALL_DISPOSABLE_EMAIL_POLICY",
            "refuse",
            "TOWNHALL_DISPOSABLE_EMAIL_POLICY must be allow, flag, hold or block, got 'refuse'",
        ),
        (
            "TOWNHALL_RELAY_EMAIL_POLICY",
            "block",
            "TOWNHALL_RELAY_EMAIL_POLICY must be allow, flag or hold (a relay address is a real person's mailbox, "
            "so it is never blocked), got 'block'",
        ),
    ],
)
def test_env_rejects_a_bad_value_naming_the_variable(name: str, value: str, message: str) -> None:
    result = _import("config.env", {name: value})

    assert result.returncode != 0
    assert f"ValueError: {message}" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("No", False)],
)
def test_env_reads_the_usual_spellings_of_booleans(raw: str, expected: bool) -> None:
    result = _import("config.env", {"TOWNHALL_EMAIL_USE_TLS": raw}, "print(s.EMAIL_USE_TLS)")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(expected)


def test_env_treats_empty_values_as_unset_and_parses_lists_and_numbers() -> None:
    result = _import(
        "config.env",
        {
            "TOWNHALL_PORT": "",
            "TOWNHALL_EMAIL_PORT": "587",
            "TOWNHALL_DEBUG": "",
            "TOWNHALL_ALLOWED_HOSTS": " petitions.example.org , ,www.example.org ",
            "TOWNHALL_COUNTER_INTERVAL": "2.5",
        },
        "print(s.PORT, s.EMAIL_PORT, s.DEBUG, s.ALLOWED_HOSTS, s.COUNTER_INTERVAL_SECONDS)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8000 587 False ['petitions.example.org', 'www.example.org'] 2.5"


def test_the_stale_task_timeout_and_its_check_can_be_lowered_from_the_environment(tmp_path: Path) -> None:
    result = _import(
        "config.settings.dev",
        {
            "TOWNHALL_TASK_RUNNING_TIMEOUT": "10",
            "TOWNHALL_TASK_RECLAIM_INTERVAL": "2",
            "TOWNHALL_DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite3'}",
        },
        "print(s.TOWNHALL['TASK_RUNNING_TIMEOUT_SECONDS'], s.TOWNHALL['TASK_RECLAIM_INTERVAL_SECONDS'])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10.0 2.0"


def test_every_environment_variable_read_is_listed_in_env_example() -> None:
    source = (Path(django_settings.BASE_DIR) / "config" / "env.py").read_text()
    example = (Path(django_settings.BASE_DIR) / ".env.example").read_text()

    read = set(re.findall(r'_(?:str|int|float|bool|list)\("(TOWNHALL_[A-Z_]+)"', source))
    listed = set(re.findall(r"^(TOWNHALL_[A-Z_]+)=", example, flags=re.MULTILINE))

    assert read
    assert read == listed


def test_the_base_url_loses_a_trailing_slash_so_email_links_are_well_formed(tmp_path: Path) -> None:
    result = _import(
        "config.settings.dev",
        {"TOWNHALL_BASE_URL": "http://127.0.0.1:8000/", "TOWNHALL_DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite3'}"},
        "print(s.TOWNHALL['BASE_URL'])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path: Path) -> None:
    result = _import(
        "config.settings.dev",
        {"TOWNHALL_DATABASE_URL": f"sqlite:///{tmp_path / 'sub' / 'd.sqlite3'}"},
        "o = s.DATABASES['default']['OPTIONS']; print(o['transaction_mode'], 'journal_mode=WAL' in o['init_command'])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["IMMEDIATE", "True"]
    assert (tmp_path / "sub").is_dir()  # the directory for the database file is made
