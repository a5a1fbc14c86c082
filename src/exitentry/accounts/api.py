from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from exitentry.accounts import services
from exitentry.accounts.auth import api_auth
from exitentry.accounts.schemas import MeOut, TokenIn, TokenOut
from exitentry.core.schemas import ErrorOut

router = Router(tags=["auth"])


@router.post(
    "/token", response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut, 422: ErrorOut}, auth=None
)
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a username and password for a Bearer token (throttled after repeated failures).

    Accounts with an authenticator also send `otp`; without it the answer is 401 `otp_required`.
    """
    issued = services.issue_api_token(request, payload.username, payload.password, payload.otp)
    return TokenOut(token=issued.token, expires_at=issued.expires_at)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=api_auth)
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    return MeOut(
        username=user.username,
        role=user.role,
        role_label=str(user.get_role_display()),
        service_point_ids=sorted(user.service_points.values_list("id", flat=True)),
    )
