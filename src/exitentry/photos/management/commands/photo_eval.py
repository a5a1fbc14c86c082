"""`exitentry photo-eval`: false rejection and acceptance rates of the photo checker per defect."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from exitentry.core import clock
from exitentry.photos import checker
from exitentry.photos.evaluation import DEFECTS, GOOD, labelled_set
from exitentry.photos.services import spec_in_force


def evaluate(*, good: int, per_defect: int, spec_code: str = "passport") -> dict[str, Any]:
    spec = spec_in_force(spec_code)
    accepted: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for shot in labelled_set(good=good, per_defect=per_defect):
        analysis = checker.analyse(checker.decode(shot.jpeg()), spec)  # type: ignore[arg-type]
        totals[shot.label] += 1
        if not analysis.failures:
            accepted[shot.label] += 1
        reasons[shot.label].update(analysis.failures)
    rejected_good = totals[GOOD] - accepted[GOOD]
    return {
        "date": clock.today().isoformat(),
        "spec": spec_code,
        "acceptance_threshold": spec.acceptance_threshold,
        "good_shots": totals[GOOD],
        "false_rejection_rate": round(rejected_good / totals[GOOD], 4) if totals[GOOD] else None,
        "false_rejection_reasons": dict(reasons[GOOD]),
        "defects": {
            defect: {
                "shots": totals[defect],
                "false_acceptance_rate": round(accepted[defect] / totals[defect], 4),
                "reasons": dict(reasons[defect]),
            }
            for defect in DEFECTS
        },
        "false_acceptance_rate_overall": round(
            sum(accepted[d] for d in DEFECTS) / max(1, sum(totals[d] for d in DEFECTS)), 4
        ),
    }


class Command(BaseCommand):
    help = "Run the photo checker over the generated labelled set and report FRR and FAR per defect."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--good", type=int, default=60)
        parser.add_argument("--per-defect", type=int, default=20)
        parser.add_argument(
            "--output", default="", help="JSON file (default benchmarks/results/photo-eval-DATE.json)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = evaluate(good=options["good"], per_defect=options["per_defect"])
        output = Path(
            options["output"]
            or Path(settings.BASE_DIR) / "benchmarks" / "results" / f"photo-eval-{result['date']}.json"
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        self.stdout.write(
            f"good shots: {result['good_shots']}, false rejection rate {result['false_rejection_rate']:.1%}"
        )
        for defect, row in result["defects"].items():
            self.stdout.write(
                f"  {defect:<22} {row['shots']:>3} shots  false acceptance {row['false_acceptance_rate']:.1%}"
                f"  reasons {row['reasons']}"
            )
        self.stdout.write(f"written to {output}")
