"""Getting a web worker process ready before its first request.

A worker imports most of the project on its first request (the URLconf pulls in every view,
API router and schema). Done at start instead, that first request is not slow, and the objects
made then (modules, classes, compiled patterns, translations: hundreds of thousands) can be
moved out of the cyclic garbage collector's sight with `gc.freeze()`. They live as long as the
process, yet every full collection would walk them all again: measured with
`benchmarks/profile_requests.py`, such collections took a tenth of a tracking look-up's time,
charged to whichever request happened to allocate at that moment (docs/adr/0011).
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def prepare_worker() -> None:
    """Load the URLconf (and with it every view), then freeze what exists as permanent."""
    get_resolver().url_patterns  # noqa: B018 - the import of every view is the point
    gc.collect()
    gc.freeze()
