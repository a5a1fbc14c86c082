"""Background work of the workdays app.

`warn_if_next_year_undeclared` runs once a day (the scheduler's 06:00 job). From December 1 it
reports a next year that has neither official data nor a declared `CalendarYear`, so nobody is
surprised when promised dates start failing in late December; it also reports the current year
if that is somehow missing. Administrators and managers are told once per year each (the
managers' dashboard shows it as long as it lasts).
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.workdays import services


@every(dt.timedelta(days=1), at=dt.time(6, 0))
@task()
def warn_if_next_year_undeclared() -> list[int]:
    """The years reported (logged as a warning, audited as `calendar.year_missing`, notified)."""
    return services.warn_about_missing_years()
