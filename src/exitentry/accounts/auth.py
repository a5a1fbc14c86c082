"""Authentication for the API: a Bearer token, or the browser's session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from exitentry.accounts.services import plausible_token, user_for_token
from exitentry.core.errors import NotAuthenticated


class BearerToken(HttpBearer):
    """A request that presents a Bearer token is judged by it alone: a wrong, expired or revoked
    token is 401, even when a session cookie comes along (which would otherwise be tried next)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            raise NotAuthenticated()
        request.user = user
        return user


@dataclass(frozen=True)
class PresentedToken:
    """A Bearer token not looked up yet: the endpoint checks it in its own first read."""

    token: str


class DeferredBearerToken(HttpBearer):
    """Takes a Bearer token without a query; the endpoint answers 401 if its read finds no holder.

    For the booking rush only (docs/adr/0015): the token is checked in the same statement that
    reads the slot, one round trip instead of two. As with `BearerToken`, a request that presents
    a Bearer token is judged by that token alone.
    """

    def authenticate(self, request: HttpRequest, token: str) -> PresentedToken:
        if not plausible_token(token):
            raise NotAuthenticated()
        return PresentedToken(token)


# Endpoints that need a signed-in caller accept either; session auth checks CSRF itself.
api_auth = [BearerToken(), SessionAuth()]
# The same, for an endpoint that checks a Bearer token inside its own first read.
deferred_api_auth = [DeferredBearerToken(), SessionAuth()]
