"""Helpers for text that is data (catalog names, help articles) rather than code.

Such text is stored as a JSON object keyed by language code
(`{"zh-hans": "护照", "en": "Passport", ...}`); `localized` picks the active language with a
fallback to Simplified Chinese, then English, so a missing translation never shows a blank.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def localized(texts: Mapping[str, str] | None, language: str | None = None) -> str:
    if not texts:
        return ""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    for candidate in (language, language.split("-")[0], settings.LANGUAGE_CODE, "en"):
        if texts.get(candidate):
            return texts[candidate]
    return next((value for value in texts.values() if value), "")


def missing_languages(texts: Mapping[str, str] | None) -> list[str]:
    texts = texts or {}
    return [code for code in LANGUAGE_CODES if not (texts.get(code) or "").strip()]
