"""Background work of the accounts app."""

from __future__ import annotations

from django_tasks import task

from exitentry.accounts.models import ApiToken
from exitentry.core import clock


@task()
def purge_expired_api_tokens() -> int:
    deleted, _rows = ApiToken.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted
