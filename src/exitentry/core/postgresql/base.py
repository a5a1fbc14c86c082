"""Django's PostgreSQL backend with a health check that costs no round trip when nothing is wrong.

With `CONN_HEALTH_CHECKS`, Django asks a reused connection `SELECT 1` at the start of every
request: one more round trip on each API call, a fifth of a refused booking's statements
(docs/adr/0011). A connection the server has dropped (a restart, an administrator's
`pg_terminate_backend`, a killed backend) says so on its socket: the server's goodbye message or
the end of the stream makes an idle connection's socket readable. So the check first looks,
without waiting, whether anything is there to read; only then does it ask `SELECT 1` (which also
copes with harmless messages such as notices). A connection psycopg already knows is broken
fails at once.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        try:
            readable, _writable, _failed = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        if not readable:
            return True
        return bool(super().is_usable())
