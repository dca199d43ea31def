"""Automated pre-checks of public text: they inform creators and moderators, never decide.

Each check looks for something the petition scheme does not allow or that a moderator
must look at: personal data (phone numbers, email addresses, street addresses, National
Insurance numbers), allegations of wrongdoing against named people or office holders,
offensive language, shouting, and links. Every finding carries plain-language advice for
the person who wrote the text and the excerpt that triggered it for the moderator.

The rules are deliberately narrow, and the catalogue in tests/integrity/ pins both what
they catch and the traps they must not fall into (a street named after a person, a phone
number inside a link, "fraud" in a petition against fraud).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.utils.translation import gettext as _


class Flag(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    NI_NUMBER = "ni_number"
    ALLEGATION = "allegation"
    OFFENSIVE = "offensive"
    SHOUTING = "shouting"
    LINK = "link"


def advice_for(flag: Flag) -> str:
    """What the writer should do, in plain words."""
    return {
        Flag.PHONE: _("Remove phone numbers. People can contact you through the site instead."),
        Flag.EMAIL: _("Remove email addresses. People can contact you through the site instead."),
        Flag.ADDRESS: _("Remove street addresses: never publish where someone lives."),
        Flag.NI_NUMBER: _("Remove National Insurance numbers: never share them publicly."),
        Flag.ALLEGATION: _(
            "This seems to accuse a named person or office holder of wrongdoing. A petition must ask for "
            "an action, not make allegations: report suspected crime to the police, or use the council's "
            "complaints procedure. If it is about how a senior officer carries out their role, read the "
            "guidance on officer evidence."
        ),
        Flag.OFFENSIVE: _("Remove offensive language."),
        Flag.SHOUTING: _("Please avoid writing in capital letters: it reads as shouting."),
        Flag.LINK: _("Remove links. A petition must stand on its own words, and we cannot check linked pages."),
    }[flag]


@dataclass(frozen=True)
class Finding:
    flag: Flag
    excerpt: str

    @property
    def advice(self) -> str:
        return advice_for(self.flag)


_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|io|co\.uk|org\.uk|gov\.uk|uk)\b(?:/[^\s<>\"]*)?"
)
_EMAIL = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
_NI = re.compile(
    r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE
)
_STREET_SUFFIX = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Grove|Place|Gardens|Terrace|"
    "Court|Square|Hill|Mews|Row|Walk|Parade|Rise|View"
)
# A house number (or "Flat 3,") then one to three capitalised words and a street suffix.
_ADDRESS = re.compile(
    rf"\b(?:(?:Flat|Apartment)\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){{1,3}}(?:{_STREET_SUFFIX})\b"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b")

_CRIME = re.compile(
    r"(?i)\b(corrupt\w*|fraud\w*|brib\w*|embezzl\w*|steal\w*|stole|stolen|theft|thie(?:f|ves)|crook\w*|"
    r"criminal\w*|crimes?|liars?|lied|lying|cover[- ]?up|misconduct|nepotism|kickbacks?|backhanders?|"
    r"scam\w*|money[- ]laundering|rigged|swindl\w*)\b"
)
# "Tackle fraud", "protect people from scams": crime words aimed against crime, not at a person.
_AGAINST = re.compile(
    r"(?i)\b(tackle|tackling|prevent|preventing|stop|stopping|fight|fighting|combat|combating|against|"
    r"protect|protecting|reduce|reducing|crack(?:ing)? down on|report|reporting|victims? of|from)\b(?:\W+\w+){0,3}\W*$"
)
_ROLE = re.compile(
    r"\b(Mayor|Chief Executive|Council Leader|Leader of the Council|Deputy Leader|Councillors?|Cllr|"
    r"Cabinet Member|Director|Head of [A-Z][a-z]+|Chair(?:man|woman)?|Monitoring Officer|Chief Officer|MP)\b"
)
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Sir|Dame|Lord|Lady)\.? [A-Z][a-z'’-]+")
# Two or three capitalised words: a personal name, unless they name a place or an organisation.
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,2}\b")
_NOT_A_PERSON = re.compile(
    r"\b(Council|Borough|County|City|Town|Road|Street|Lane|Avenue|Park|Library|Hospital|School|College|"
    r"University|Ward|Centre|Center|Station|Market|Church|Trust|Board|Committee|Panel|Government|Parliament|"
    r"Police|Service|Services|Department|Office|Court|Bridge|River|Square|Green|Hall|House|Estate|Primary|"
    r"Academy|Bus|Route|Way|Close|Drive|Hill|Day|Week|Month|January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)

# Capitalised only because they start a sentence.
_SENTENCE_STARTERS = frozenset(
    "The This That These Those Our We Please Stop Save Keep Make Give Ask Let Why It In On At For If When "
    "Full Many Most All Every Some Residents People".split()
)

_OFFENSIVE = re.compile(
    r"(?i)\b(f+u+c+k+\w*|sh[i1]te?s?|shitty|bullshit|bastards?|wank\w*|twats?|cunts?|bollocks|"
    r"dickheads?|arseholes?|assholes?|pricks?|scumbags?|tossers?|piss(?:ed|ing)?\s+off|slags?|retards?)\b"
)


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _phones(text: str) -> list[str]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        digits = re.sub(r"\D", "", match.raw_string)
        # Years and counts are "possible" numbers too: a real one has at least ten digits
        # (UK) or eight after an international "+".
        if len(digits) >= 10 or (match.raw_string.startswith("+") and len(digits) >= 8):
            found.append(match.raw_string)
    return found


def _allegations(text: str) -> list[str]:
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        for crime in _CRIME.finditer(sentence):
            if _AGAINST.search(sentence[: crime.start()]):
                continue
            window = sentence[max(0, crime.start() - 80) : crime.end() + 80]
            people = [m.group(0) for m in _ROLE.finditer(window)] + [m.group(0) for m in _TITLED_NAME.finditer(window)]
            people += [
                m.group(0)
                for m in _CAPITALISED_RUN.finditer(window)
                if not _NOT_A_PERSON.search(m.group(0)) and m.group(0).split()[0] not in _SENTENCE_STARTERS
            ]
            if people:
                found.append(window.strip())
                break
    return found


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= 0.6 or "!!!" in text


def precheck_text(text: str) -> list[Finding]:
    """Every finding in one piece of text, in a stable order (one per flag at most)."""
    findings: list[Finding] = []
    urls = [m.group(0) for m in _URL.finditer(_mask(text, _EMAIL))]
    emails = [m.group(0) for m in _EMAIL.finditer(text)]
    # Numbers inside links and addresses are not phone numbers.
    plain = _mask(_mask(text, _EMAIL), _URL)
    checks: list[tuple[Flag, list[str]]] = [
        (Flag.PHONE, _phones(plain)),
        (Flag.EMAIL, emails),
        (Flag.ADDRESS, [m.group(0) for m in (*_ADDRESS.finditer(plain), *_POSTCODE.finditer(plain))]),
        (Flag.NI_NUMBER, [m.group(0) for m in _NI.finditer(plain)]),
        (Flag.ALLEGATION, _allegations(plain)),
        (Flag.OFFENSIVE, [m.group(0) for m in _OFFENSIVE.finditer(text)]),
        (Flag.SHOUTING, [text[:60]] if _is_shouting(text) else []),
        (Flag.LINK, urls),
    ]
    for flag, excerpts in checks:
        if excerpts:
            findings.append(Finding(flag=flag, excerpt=excerpts[0]))
    return findings


def precheck_flags(text: str) -> set[Flag]:
    return {finding.flag for finding in precheck_text(text)}
