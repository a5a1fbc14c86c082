"""Compile every app's .po catalogues to .mo with polib, so no GNU gettext is needed to run.

Run as `python -m exitentry.core.compile_messages`; `make demo`, `make test` and the test
suite's start-up call it, so compiled catalogues are never stale and never committed.
"""

from __future__ import annotations

from pathlib import Path

import polib  # type: ignore[import-untyped]

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def po_files() -> list[Path]:
    return sorted(PACKAGE_DIR.glob("*/locale/*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    compiled = 0
    for po_path in po_files():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled += 1
    return compiled


if __name__ == "__main__":
    count = compile_all()
    print(f"compiled {count} message catalogue(s)")
