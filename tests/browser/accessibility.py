"""axe-core in the page: `assert_accessible(page)` fails listing every violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

# WCAG 2.0/2.1/2.2 A and AA plus axe's best practices (landmarks, one h1, heading order...).
RUN_OPTIONS: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_violations(page: Any, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    # A click that submits a form returns once the next page has started to arrive, not when it
    # has been parsed: axe would check half a page (or lose its context mid-run).
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the DevTools protocol, which the site's Content-Security-Policy (no inline
        # scripts) does not govern; a <script> tag would be refused, as it should be.
        page.evaluate(AXE_SOURCE)
    results = page.evaluate("options => window.axe.run(document, options)", options or RUN_OPTIONS)
    return list(results["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page: Any, options: dict[str, Any] | None = None) -> None:
    """Run axe-core on the page as it is now; fail with id, impact and target of each violation."""
    __tracebackhide__ = True
    violations = axe_violations(page, options)
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + describe(violations),
            pytrace=False,
        )
