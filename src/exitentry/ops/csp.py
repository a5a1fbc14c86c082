"""django-csp's middleware, with the site-wide policy built once instead of on every response.

django-csp rebuilds both headers for every response (a dataclass copied into a dict, every
directive joined again), a tenth of a refused booking's time (docs/adr/0011). When neither the
request used a nonce nor the view set a policy of its own (`csp_update`, `csp_replace`,
`csp_override` and their report-only twins), the headers can only be the settings' policy, so
they are built once and reused until a setting changes (tests override them). Anything else
takes django-csp's own path unchanged.
"""

from __future__ import annotations

import http.client as http_client
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

_PER_RESPONSE = (
    *("_csp_config", "_csp_update", "_csp_replace"),
    *("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro"),
)
_DEBUG_PAGES = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)

# (header, its value, the response's exemption flag, the setting naming excluded path prefixes)
_Plan = tuple[tuple[str, str, str, tuple[str, ...]], ...]
_site_policy: _Plan | None = None


@receiver(setting_changed)
def _forget_site_policy(**_kwargs: Any) -> None:
    global _site_policy
    _site_policy = None


def _build_site_policy() -> _Plan:
    def prefixes(setting: str) -> tuple[str, ...]:
        policy = getattr(settings, setting, None) or {}
        return tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())

    return (
        (HEADER, build_policy(), "_csp_exempt", prefixes("CONTENT_SECURITY_POLICY")),
        (
            HEADER_REPORT_ONLY,
            build_policy(report_only=True),
            "_csp_exempt_ro",
            prefixes("CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ),
    )


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        nonce_used = getattr(request, "_csp_nonce", None) is not None
        if nonce_used or any(getattr(response, name, None) is not None for name in _PER_RESPONSE):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_PAGES and settings.DEBUG:
            return response
        global _site_policy
        if _site_policy is None:
            _site_policy = _build_site_policy()
        for header, value, exempt_flag, excluded_prefixes in _site_policy:
            if (
                value
                and header not in response
                and getattr(response, exempt_flag, False) is False
                and not request.path_info.startswith(excluded_prefixes)
            ):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
