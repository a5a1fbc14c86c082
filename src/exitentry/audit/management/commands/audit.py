"""`exitentry audit verify`: check the audit trail's hash chains; exit status 1 when tampered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exitentry.audit.models import AuditChainHead
from exitentry.audit.services import verify_chains


class Command(BaseCommand):
    help = "Audit trail tools. `verify`: report every edited, deleted or reordered audit event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = verify_chains()
        for problem in problems:
            self.stderr.write(f"TAMPERED {problem.kind}: {problem.description}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} audit event(s)")
        self.stdout.write(
            f"ok: {checked} audit event(s) in {AuditChainHead.objects.count()} chain(s) verified"
        )
        # The heads summarise everything before them: keeping a copy outside the database
        # (the log shipper keeps this line) lets a later check notice a rewritten chain too.
        for head in AuditChainHead.objects.order_by("shard"):
            self.stdout.write(f"chain {head.shard}: seq {head.seq} hash {head.hash}")
