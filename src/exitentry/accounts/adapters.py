"""Real-name verification: does this name belong to this resident ID number?

The real service is the national identity authority's; the sandbox answers from the
people the system already knows, so demos and tests exercise the same code path.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class RealNameVerifier(Protocol):
    def verify(self, *, full_name: str, id_number: str) -> bool: ...


class SandboxRealNameVerifier:
    def verify(self, *, full_name: str, id_number: str) -> bool:
        from exitentry.identity.models import Person

        return Person.objects.filter(
            full_name=full_name.strip(), id_number=id_number.strip().upper()
        ).exists()


def real_name_verifier() -> RealNameVerifier:
    return import_string(settings.EXITENTRY_ADAPTERS["real_name"])()
