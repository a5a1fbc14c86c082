"""Portable full-text search for the help centre: words and CJK character bigrams.

Chinese and Japanese are written without spaces, so a run of Han or kana characters is indexed as
its overlapping two-character pieces (a single character stays as it is); Latin, Cyrillic and
Hangul text is split into case-folded words (Hangul words also yield their bigrams, since Korean
particles attach to the word: 여권을 still matches 여권); long words also yield a five-letter
stem for Russian and English endings. The same function makes the terms of
an article and of a query, so both sides agree on every database.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

MAX_QUERY_CHARS = 200  # longer queries are cut: a question never needs more
MAX_TERM_CHARS = 40  # SearchTerm.term
# A crude stem for inflected words (паспорта/паспорт, booking/booked): the first five letters of
# words of six or more, marked with "*" so that it never equals a whole word.
STEM_FROM = 6
STEM_CHARS = 5

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = r"\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[{_HANGUL}]+|[^\W_{_CJK}{_HANGUL}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_HANGUL_RUN = re.compile(rf"[{_HANGUL}]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def terms(text: str) -> list[str]:
    """The search terms of `text`, in order, with repeats (callers count them)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    found: list[str] = []
    for token in _TOKEN.findall(text):
        if _CJK_RUN.fullmatch(token):
            found.extend(_bigrams(token))
        elif _HANGUL_RUN.fullmatch(token):
            found.append(token[:MAX_TERM_CHARS])
            if len(token) > 2:
                found.extend(_bigrams(token))
        elif len(token) >= 2 or token.isdigit():
            found.append(token[:MAX_TERM_CHARS])
            if len(token) >= STEM_FROM and token.isalpha():
                found.append(token[:STEM_CHARS] + "*")
    return found


def clean_query(query: str | None) -> str:
    """The query as searched: control characters dropped, spaces squeezed, cut to the limit."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in (query or ""))
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def query_terms(query: str) -> list[str]:
    return list(dict.fromkeys(terms(query)))


def weighted_terms(question: str, answer: str) -> dict[str, int]:
    """Term → weight for one language of an article: the question counts three times the answer."""
    weights: Counter[str] = Counter()
    for term in set(terms(question)):
        weights[term] += 3
    for term, count in Counter(terms(answer)).items():
        weights[term] += min(count, 3)
    return dict(weights)
