"""The demo's two years of history: this year against last year at once, and a rerun replaces it."""

from __future__ import annotations

import datetime as dt

from exitentry.applications.tests import factories as f
from exitentry.insight import services
from exitentry.insight.demo import seed_insight_history
from exitentry.insight.models import IssuanceMonthRollup, IssuanceRollup


def test_the_demo_history_shows_growth_year_on_year_and_is_replaced_on_a_rerun() -> None:
    f.hall("jinan-lixia")
    f.hall("qingdao-shinan", f.QINGDAO)

    written = seed_insight_history()
    again = seed_insight_history()

    assert written == again > 0
    assert (
        IssuanceRollup.objects.filter(day__gt=f.TODAY - dt.timedelta(days=4)).count() == 0
    )  # left to the refresh
    assert IssuanceRollup.objects.order_by("day").first().day == f.TODAY - dt.timedelta(days=730)
    filters = services.Filters(dt.date(2026, 1, 1), dt.date(2026, 8, 31), granularity="month")
    figures = services.totals(filters)
    assert 15.0 < figures.change_percent < 35.0
    assert IssuanceMonthRollup.objects.filter(month=dt.date(2026, 3, 1)).exists()
