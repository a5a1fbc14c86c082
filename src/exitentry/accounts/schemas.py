import datetime as dt

from ninja import Schema
from pydantic import Field


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(
        default=None,
        max_length=32,
        description="The authenticator code (or a recovery code) when the account uses a second factor.",
    )


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class MeOut(Schema):
    username: str
    role: str
    role_label: str
    service_point_ids: list[int]
