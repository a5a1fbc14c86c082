"""The site-wide CSP headers built once are exactly django-csp's, and a view's own policy still wins."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse

from exitentry.ops.csp import CSPMiddleware


def _headers(middleware_class, request, **response_attributes):
    def view(_request):
        response = HttpResponse("page")
        for name, value in response_attributes.items():
            setattr(response, name, value)
        return response

    response = middleware_class(view)(request)
    return response.get(HEADER), response.get(HEADER_REPORT_ONLY)


@pytest.mark.parametrize("path", ["/", "/api/v1/health", "/api/v1/docs"])
def test_the_site_policy_is_django_csps_for_every_path(rf, path):
    ours = _headers(CSPMiddleware, rf.get(path))

    assert ours == _headers(DjangoCSPMiddleware, rf.get(path))
    assert (ours[0] is None) == (path == "/api/v1/docs")  # the API docs page is excluded


def test_a_views_own_policy_goes_through_django_csp(rf):
    update = {"img-src": ["https://tiles.example.org"]}

    ours = _headers(CSPMiddleware, rf.get("/network/"), _csp_update=update)

    assert ours == _headers(DjangoCSPMiddleware, rf.get("/network/"), _csp_update=update)
    assert "img-src 'self' data: https://tiles.example.org" in ours[0]


def test_an_exempt_response_gets_no_header(rf):
    assert _headers(CSPMiddleware, rf.get("/"), _csp_exempt=True)[0] is None


def test_a_changed_setting_changes_the_header(rf, settings):
    before = _headers(CSPMiddleware, rf.get("/"))[0]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    after = _headers(CSPMiddleware, rf.get("/"))[0]

    assert "default-src 'self'" in before
    assert after == "default-src 'none'"
