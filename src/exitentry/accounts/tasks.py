"""Background work of the accounts app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.accounts.models import ApiToken
from exitentry.core import clock
from exitentry.core.scheduling import every


@every(dt.timedelta(days=1), at=dt.time(3, 0))
@task()
def purge_expired_api_tokens() -> int:
    deleted, _rows = ApiToken.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted
