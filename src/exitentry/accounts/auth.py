"""Authentication for the API: a Bearer token, or the browser's session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from exitentry.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


# Endpoints that need a signed-in caller accept either; session auth checks CSRF itself.
api_auth = [BearerToken(), SessionAuth()]
