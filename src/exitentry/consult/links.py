"""Links an answer can carry: the checklist with services chosen, or booking for a service."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from exitentry.consult.models import Article


def checklist_url(article: Article) -> str | None:
    codes = [code for code in article.checklist_services or [] if isinstance(code, str) and code]
    if not codes:
        return None
    return f"{reverse('catalog:checklist')}?{urlencode([('services', code) for code in codes])}"


def booking_url(article: Article) -> str | None:
    if not article.booking_service:
        return None
    return f"{reverse('appointments:book')}?{urlencode({'service': article.booking_service})}"
