"""The web server renders PDFs in several threads at once. ReportLab's TrueType fonts are shared
by every document and read their font file through one cursor, so two documents building their
font subsets at the same moment corrupted each other (KeyError in makeSubset: a 500 that
schemathesis found on /applications/{number}/form.pdf). Saving is one document at a time."""

from __future__ import annotations

import threading
import time
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from exitentry.core import pdf

THREADS = 4


def test_documents_rendered_in_parallel_build_their_font_subsets_one_at_a_time(monkeypatch: Any) -> None:
    state = {"inside": 0, "most": 0}
    guard = threading.Lock()
    original = Canvas.save

    def watched_save(self: Canvas) -> None:
        with guard:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
        time.sleep(0.05)  # a long subset: another thread would get in now
        try:
            original(self)
        finally:
            with guard:
                state["inside"] -= 1

    monkeypatch.setattr(Canvas, "save", watched_save)
    results: list[bytes] = []
    start = threading.Barrier(THREADS)

    def render(index: int) -> None:
        start.wait()
        story = [Paragraph(f"护照申请表 {index} 出入境管理局 — Passport application", pdf.styles()["body"])]
        results.append(pdf.build_pdf(title=f"申请表 {index}", story=story))

    threads = [threading.Thread(target=render, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert state["most"] == 1
    assert len(results) == THREADS
    assert all(document.startswith(b"%PDF-") for document in results)
