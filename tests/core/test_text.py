"""Normalising what people type: postcodes, email addresses and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.core.errors import DomainError
from townhall.core.text import canonical_email, normalise_name, normalise_postcode, text_within, tidy

GMAIL = ["gmail.com", "googlemail.com"]
PLUS_TAG = ["outlook.com", "icloud.com"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ec1a\t1bb", "EC1A 1BB"),
        ("km1 1aa", "KM1 1AA"),
    ],
)
def test_normalise_postcode_accepts_real_postcodes_in_any_case_and_spacing(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "SW1A 1CA",  # C is never an inward-code letter
        "SW1A 1AI",  # nor is I
        "SW1A 1KA",  # nor K
        "ABC 123",
        "SW1A",
        "SW1A 1AAA",
        "1AA SW1",
        "SW1A-1AA",
    ],
)
def test_normalise_postcode_refuses_what_is_not_a_postcode(raw: str) -> None:
    assert normalise_postcode(raw) is None


def test_normalise_postcode_does_not_guess_at_letter_for_digit_typos() -> None:
    # "O" for "0" is a common slip, but the rule is to forgive case and spacing only.
    assert normalise_postcode("W1A OAX") is None


def canonical(address: str) -> str:
    return canonical_email(address, dot_insensitive_domains=GMAIL, plus_tag_domains=PLUS_TAG)


def test_canonical_email_ignores_case_everywhere() -> None:
    assert canonical("Ann.Smith@Example.ORG") == "ann.smith@example.org"
    assert canonical("  ann@example.org  ") == "ann@example.org"


def test_canonical_email_removes_dots_and_plus_tags_for_gmail() -> None:
    expected = "johnsmith@gmail.com"
    for variant in ["john.smith@gmail.com", "J.O.H.N.Smith@Gmail.com", "johnsmith+petitions@gmail.com"]:
        assert canonical(variant) == expected
    assert canonical("j.smith+a+b@gmail.com") == "jsmith@gmail.com"


def test_canonical_email_treats_googlemail_as_gmail() -> None:
    assert canonical("John.Smith+x@googlemail.com") == "johnsmith@gmail.com"


def test_canonical_email_keeps_dots_and_tags_on_other_domains() -> None:
    assert canonical("john.smith@example.org") == "john.smith@example.org"
    assert canonical("john+tag@example.org") == "john+tag@example.org"
    assert canonical("john.smith@example.org") != canonical("johnsmith@example.org")


def test_canonical_email_follows_the_configured_domain_lists() -> None:
    assert canonical_email("a.b@gmail.com", dot_insensitive_domains=[], plus_tag_domains=[]) == "a.b@gmail.com"
    assert canonical_email("a.b+x@Example.org", dot_insensitive_domains=["EXAMPLE.org"], plus_tag_domains=[]) == (
        "ab@example.org"
    )
    assert canonical_email("a.b+x@outlook.com", dot_insensitive_domains=[], plus_tag_domains=[]) == "a.b+x@outlook.com"
    assert canonical_email("a.b+x@Example.org", dot_insensitive_domains=[], plus_tag_domains=["EXAMPLE.org"]) == (
        "a.b@example.org"
    )


def test_canonical_email_removes_only_the_plus_tag_on_plus_tag_domains() -> None:
    for variant in ["John.Smith+petitions@Outlook.com", "john.smith+a+b@outlook.com", "john.smith@outlook.com"]:
        assert canonical(variant) == "john.smith@outlook.com"
    # Dots matter there: another mailbox.
    assert canonical("johnsmith+x@outlook.com") == "johnsmith@outlook.com"
    # A subdomain is another domain.
    assert canonical("john+x@mail.outlook.com") == "john+x@mail.outlook.com"


def test_canonical_email_keeps_a_local_part_that_starts_with_a_plus_whole_on_plus_tag_domains() -> None:
    assert canonical("+x@outlook.com") == "+x@outlook.com"


def test_canonical_email_applies_the_gmail_rule_to_a_domain_on_both_lists() -> None:
    assert canonical_email("a.b+x@gmail.com", dot_insensitive_domains=GMAIL, plus_tag_domains=GMAIL) == "ab@gmail.com"


def test_canonical_email_leaves_an_address_without_a_local_part_alone() -> None:
    assert canonical("Not-An-Address") == "not-an-address"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ann  smith", "ann Smith"), ("  ANN SMITH ", "ann smith"), ("Ann\tSmith", "ann smith"), ("STRASSE", "straße")],
)
def test_normalise_name_ignores_case_and_spacing(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_normalise_name_still_tells_different_names_apart() -> None:
    assert normalise_name("Ann Smith") != normalise_name("Anne Smith")
    assert normalise_name("Ann Smith") == "ann smith"


def test_tidy_trims_and_collapses_spaces_but_keeps_line_breaks() -> None:
    assert tidy("  Reopen   the\ttoilets \r\n\r\n  now  ") == "Reopen the toilets\n\nnow"


# --- properties -------------------------------------------------------------------------

_postcode_like = st.from_regex(r"\A\s{0,2}[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s{0,3}[0-9][A-Za-z]{2}\s{0,2}\Z")


@given(st.one_of(_postcode_like, st.text(max_size=12)))
def test_normalise_postcode_is_idempotent_on_its_own_output(raw: str) -> None:
    once = normalise_postcode(raw)
    if once is not None:
        assert normalise_postcode(once) == once
        assert once == once.upper()
        assert once.count(" ") == 1


_local = st.text(alphabet="abcdefgABCDEFG.+_-0123456789", min_size=1, max_size=20)
_domain = st.sampled_from(
    ["gmail.com", "GMail.com", "googlemail.com", "example.org", "Example.ORG", "x.co.uk", "outlook.com", "iCloud.com"]
)


@given(st.one_of(st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain), st.text(max_size=30)))
def test_canonical_email_is_idempotent(address: str) -> None:
    once = canonical(address)
    assert canonical(once) == once
    assert once == once.lower()


TOO_LONG = "At most %(max)s (%(max_grouped)s); %(length)s given, %(over)s over."


def test_text_within_tidies_and_returns_text_inside_the_limit() -> None:
    assert text_within("  a  b \r\n c ", limit=10, code="f", too_long=TOO_LONG) == "a b\nc"


def test_text_within_folds_lines_for_one_line_fields() -> None:
    assert text_within("Ann\nSmith", limit=10, code="f", too_long=TOO_LONG, one_line=True) == "Ann Smith"


def test_text_within_refuses_an_empty_required_field_with_its_own_message() -> None:
    with pytest.raises(DomainError) as excinfo:
        text_within(" \n ", limit=10, code="title", blank="Enter a title.", too_long=TOO_LONG)
    assert (excinfo.value.code, excinfo.value.message) == ("title_blank", "Enter a title.")


def test_text_within_lets_an_optional_field_be_empty() -> None:
    assert text_within("   ", limit=10, code="f", too_long=TOO_LONG) == ""


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (1001, "At most 1000 (1,000); 1,001 given, 1 over."),
        (1234, "At most 1000 (1,000); 1,234 given, 234 over."),
    ],
)
def test_text_within_refuses_text_past_the_limit_saying_by_how_much(length: int, message: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        text_within("x" * length, limit=1000, code="body", too_long=TOO_LONG)
    assert (excinfo.value.code, excinfo.value.message) == ("body_too_long", message)


def test_text_within_counts_the_tidied_text_against_the_limit() -> None:
    assert text_within("  " + "x" * 5 + "  ", limit=5, code="f", too_long=TOO_LONG) == "xxxxx"
