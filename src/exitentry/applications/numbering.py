"""Application numbers: `SD261123K7QW4X`, easy to read out, hard to guess, with a check character.

Layout: a two-letter province prefix, the local date (YYMMDD), five random characters and one
check character (Luhn mod N over the alphabet below). The alphabet has no I or O, so nobody mixes
them up with 1 and 0 on the phone. Five random characters give 32^5 ≈ 33 million numbers a day;
together with the last four characters of the ID number and rate limiting, tracking cannot be
used to enumerate applications. Numbers are never read and incremented: a new number is inserted
and the unique constraint decides (the caller retries on the rare collision).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RANDOM_LENGTH = 5
NUMBER_RE = re.compile(rf"[A-Z]{{2}}\d{{6}}[{RANDOM_ALPHABET}]{{{RANDOM_LENGTH}}}[{ALPHABET}]")


def prefix() -> str:
    return str(getattr(settings, "EXITENTRY_APPLICATION_PREFIX", "SD")).upper()


def check_character(body: str) -> str:
    """Luhn mod N: catches every single wrong character and most swapped neighbours."""
    base = len(ALPHABET)
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // base + addend % base
    return ALPHABET[(base - total % base) % base]


def new_number(day: dt.date) -> str:
    random_part = "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(RANDOM_LENGTH))
    body = f"{prefix()}{day:%y%m%d}{random_part}"
    return body + check_character(body)


def normalize(number: str) -> str:
    return "".join(number.split()).upper()


def is_well_formed(number: str) -> bool:
    """Shape and check character; says nothing about whether the application exists."""
    if not NUMBER_RE.fullmatch(number):
        return False
    return check_character(number[:-1]) == number[-1]
