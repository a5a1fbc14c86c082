"""Background work of the workdays app.

`warn_if_next_year_undeclared` is meant to be enqueued once a day by the deployment's
scheduler (`warn_if_next_year_undeclared.enqueue()`). From December 1 it reports a next year
that has neither official data nor a declared `CalendarYear`, so nobody is surprised when
promised dates start failing in late December; it also reports the current year if that is
somehow missing.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.workdays import services


@every(dt.timedelta(days=1), at=dt.time(6, 0))
@task()
def warn_if_next_year_undeclared() -> list[int]:
    """The years reported (logged as a warning and audited as `calendar.year_missing`)."""
    return services.warn_about_missing_years()
