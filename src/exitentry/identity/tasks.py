"""Background work of the identity app."""

from __future__ import annotations

from django_tasks import task

from exitentry.identity import services


@task()
def expire_held_documents() -> int:
    """Daily: mark valid documents past their last valid day as expired."""
    return services.expire_held_documents()
