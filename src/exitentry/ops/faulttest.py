"""`exitentry fault-test`: the morning booking rush on the production stack, with faults.

What one run does (benchmarks/README.md, "Load and fault tests", explains the figures):

1. Starts a throwaway PostgreSQL cluster of its own (initdb + pg_ctl in a temporary directory,
   on `--pg-port`), so that restarting PostgreSQL mid-load disturbs nobody else; migrates it.
2. Prepares a hall with a ladder of one-minute slots (the benchmark's), accounts with API tokens
   for the people booking, and applicants (a person with a passport to renew) who submit an
   application and pay it.
3. Starts the production stack as deployed: `exitentry serve` (granian, `--web-workers`
   processes, EXITENTRY_ENV=production) and `--task-workers` × `exitentry worker` (RQ on Redis
   db `--redis-url`), plus what a scheduler would enqueue.
4. Drives it for `--seconds` with booking clients and applicant clients. Every client keeps a log
   of the answers it was given. A request with no definitive answer (a dropped connection, a
   5xx) is retried with the same Idempotency-Key, as a careful client does; one 201 in ten is
   sent again on purpose. After each application, the sandbox gateway delivers the payment
   callback (HMAC-signed, re-signed for each delivery), retrying until it gets a 200, and
   delivers one in five twice, as gateways do.
5. Mid-load: SIGKILL of one web worker (granian starts another), SIGKILL of one task worker and
   its job (a new one is started, as systemd would), and PostgreSQL stopped in immediate mode
   (a crash: no shutdown checkpoint) for `--pg-down-seconds`, then started again.
6. Afterwards: waits for the clients' retries and the task queue, then compares the clients'
   acknowledgements with the database (`exitentry.ops.faultcheck`): no lost, duplicated or
   unacknowledged booking, application or payment, slot counters equal to active appointments,
   every notification sent once; the answers while PostgreSQL was down were 503
   `service_unavailable`, quickly; the time until the service answered again.
7. Runs schemathesis over the whole OpenAPI schema against the running server, once with an
   applicant's token and once with an officer's: no 5xx.
8. Writes `benchmarks/results/fault-<timestamp>.json` and `.md` (the clients' request log goes
   next to them as `.jsonl.gz`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from exitentry.core.management.commands import bench
from exitentry.ops import faultcheck
from exitentry.ops.faultcheck import Ack

SERVICE = bench.SERVICE
REQUEST_TIMEOUT_SECONDS = 15.0
REPLAY_BOOKING_FRACTION = 0.10
REPLAY_APPLICATION_FRACTION = 0.10
REPLAY_CALLBACK_FRACTION = 0.20
GATEWAY = "wechat_pay"
PILOT_CITY = "370100"
SANDBOX_SECRET_BYTES = 32


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError("pg_ctl not found: install PostgreSQL's server binaries (postgresql-15)")


@dataclass
class Cluster:
    """initdb + pg_ctl in a temporary directory, run as `postgres` when we are root."""

    directory: Path
    port: int
    bin: Path = field(default_factory=postgres_bin)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            [*prefix, str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # fsync off: the run measures the application, not this machine's disk; an immediate stop
        # (below) still loses nothing the server acknowledged, since the OS keeps the pages.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "postgres.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    @classmethod
    @contextmanager
    def running(cls, port: int) -> Iterator[Cluster]:
        directory = Path(tempfile.mkdtemp(prefix="exitentry-faultpg-"))
        cluster = cls(directory=directory, port=port)
        try:
            cluster.init()
            cluster.start()
            yield cluster
        finally:
            cluster.stop("immediate")
            shutil.rmtree(directory, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The production stack: web (granian via `exitentry serve`) and task workers (`exitentry worker`)


def stack_environment(
    database_url: str, redis_url: str, var_dir: Path, sandbox_secret: str
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EXITENTRY_", "GRANIAN_", "PROMETHEUS_"))
        and key not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "TASKS_BACKEND", "TASKS_REDIS_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "exitentry.settings",
            "EXITENTRY_ENV": "production",
            "EXITENTRY_VAR_DIR": str(var_dir),
            "LOG_DIR": str(var_dir / "log"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The servers read rows this process wrote: the same field-encryption keys.
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "FIELD_LOOKUP_KEY": settings.FIELD_LOOKUP_KEY,
            "PAYMENTS_SANDBOX_SECRET": sandbox_secret,
            "PAYMENTS_PUBLIC_BASE_URL": "https://127.0.0.1/",
            "LOG_LEVEL": "WARNING",
            "TRACKING_PER_CLIENT_PER_MINUTE": "1000000000",
            # A notification a killed worker left half-sent is picked up again after 5 s, and a
            # failed send is retried after 1 s, so that the run can wait for all of them.
            "NOTIFICATION_SENDING_TIMEOUT_SECONDS": "5",
            "NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "NOTIFICATION_RETRY_MAX_SECONDS": "4",
            "DATABASE_CONNECT_TIMEOUT": "3",
        }
    )
    return env


def exitentry_binary() -> str:
    found = Path(sys.executable).with_name("exitentry")
    return str(found) if found.exists() else "exitentry"


def children_of(pid: int) -> list[int]:
    """Direct child processes (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError, ValueError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@dataclass
class Stack:
    env: dict[str, str]
    var_dir: Path
    port: int
    web_workers: int
    threads: int
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started_workers: int = 0

    def _spawn(self, arguments: list[str], name: str) -> subprocess.Popen[bytes]:
        with (self.var_dir / f"{name}.log").open("ab") as output:
            return subprocess.Popen(  # noqa: S603 - our own command
                [exitentry_binary(), *arguments],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_web(self) -> None:
        self.web = self._spawn(
            [
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.threads),
            ],
            "web",
        )
        server = bench.Server(port=self.port, process=self.web, log_path=self.var_dir / "web.log")
        # Every worker listening means every worker process is up, ready to be killed mid-load.
        bench._wait_until_healthy(server, self.web_workers)

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.started_workers += 1
        worker = self._spawn(["worker"], f"worker-{self.started_workers}")
        self.workers.append(worker)
        return worker

    def web_worker_pids(self) -> list[int]:
        return children_of(self.web.pid) if self.web else []

    def stop(self) -> None:
        for process in [*self.workers, *([self.web] if self.web else [])]:
            stop_group(process)


# ---------------------------------------------------------------------------------------------
# Data


@dataclass
class RunData:
    run: str
    slot_ids: list[int]
    booking_tokens: list[str]
    booking_user_ids: list[int]
    applicant_tokens: list[str]
    applicant_user_ids: list[int]
    pickup_point_id: int
    officer_token: str
    schema_applicant_token: str


def _token_for(user: Any) -> str:
    from exitentry.accounts.models import ApiToken
    from exitentry.accounts.services import _hash_token
    from exitentry.core import clock

    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(token),
        created_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(hours=4),
    )
    return token


def prepare(run: str, *, booking_people: int, applicants: int, capacity: int, hot: int) -> RunData:
    from exitentry.accounts.models import Role, User
    from exitentry.audit.services import record_event
    from exitentry.catalog.models import City
    from exitentry.core import clock
    from exitentry.identity.models import HeldDocument, Person

    today = clock.today()
    with transaction.atomic():
        point = bench._bench_policy_and_hall(run, "", today)
        slot_ids = bench._ladder_slots(point, booking_people // capacity + hot + 1, capacity)
        booking_user_ids, booking_tokens = bench._people(run, "p", booking_people, with_tokens=True)
        # A household in a zero-visit pilot city (Jinan), so that renewing online is allowed.
        city = City.objects.filter(code=PILOT_CITY).first() or point.city
        people = Person.objects.bulk_create(
            Person(
                full_name=f"Fault {run} {index}",
                id_number=id_number,
                birth_date=birth_date,
                sex="M",
                phone=f"138{index:08d}",
                household_city=city,
                fingerprints_on_file=True,
            )
            for index, (id_number, birth_date) in enumerate(bench._unused_resident_ids(applicants))
        )
        HeldDocument.objects.bulk_create(
            HeldDocument(
                person=person,
                document_type="passport",
                number=f"E{index:08d}",
                issued_on=today + dt.timedelta(days=120) - dt.timedelta(days=3652),
                expires_on=today + dt.timedelta(days=120),
                status="valid",
            )
            for index, person in enumerate(people)
        )
        users = User.objects.bulk_create(
            User(
                username=f"fault-{run}-a{index}",
                password="!",
                role=Role.APPLICANT,
                person=person,
                phone=person.phone,
            )
            for index, person in enumerate(people)
        )
        applicant_tokens = [_token_for(user) for user in users]
        officer = User.objects.create(username=f"fault-{run}-officer", password="!", role=Role.OFFICER)
        officer.service_points.set([point])
        # schemathesis books and applies with an account of its own, not one the checks count.
        fuzz_user = User.objects.create(username=f"fault-{run}-fuzz", password="!", role=Role.APPLICANT)
        record_event(
            "ops.fault_test_prepared",
            actor="fault-test",
            object_type="servicepoints.servicepoint",
            object_id=point.pk,
            run=run,
            slots=len(slot_ids),
            people=booking_people + applicants,
        )
    return RunData(
        run=run,
        slot_ids=slot_ids,
        booking_tokens=booking_tokens,
        booking_user_ids=booking_user_ids,
        applicant_tokens=applicant_tokens,
        applicant_user_ids=[user.pk for user in users],
        pickup_point_id=point.pk,
        officer_token=_token_for(officer),
        schema_applicant_token=_token_for(fuzz_user),
    )


# ---------------------------------------------------------------------------------------------
# Clients


@dataclass
class ClientLog:
    """What the clients saw: every request, the acknowledgements, the keys given up on."""

    started: float
    requests: list[dict[str, Any]] = field(default_factory=list)
    acks: dict[str, list[Ack]] = field(
        default_factory=lambda: {"bookings": [], "applications": [], "payments": []}
    )
    in_doubt: dict[str, list[str]] = field(
        default_factory=lambda: {"bookings": [], "applications": [], "payments": []}
    )
    outcomes: Counter[str] = field(default_factory=Counter)
    replays: Counter[str] = field(default_factory=Counter)


class Connection:
    """One keep-alive HTTP/1.1 connection that reopens itself."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, request: bytes) -> bench.Answer | None:
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), REQUEST_TIMEOUT_SECONDS
                )
            assert self.reader is not None
            assert self.writer is not None
            answer = await asyncio.wait_for(
                bench.exchange(self.reader, self.writer, request), REQUEST_TIMEOUT_SECONDS
            )
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.close()
            return None
        if not answer.keep_alive:
            self.close()
        return answer


def _constant(request: bytes) -> Callable[[], bytes]:
    return lambda: request


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class Driver:
    def __init__(self, port: int, data: RunData, *, seconds: float, drain_seconds: float) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.data = data
        self.seconds = seconds
        self.drain_seconds = drain_seconds
        self.log = ClientLog(started=time.monotonic())
        self.ladder = bench.Ladder(data.slot_ids, hot=4, seed=11)
        self.booking_people = bench.People(len(data.booking_tokens))
        self.applicants = bench.People(len(data.applicant_tokens))
        self.random = random.Random(5)  # noqa: S311 - load shaping, not secrets

    def now(self) -> float:
        return time.monotonic() - self.log.started

    @property
    def load_over(self) -> bool:
        return self.now() >= self.seconds

    async def attempt(self, conn: Connection, kind: str, key: str, request: bytes) -> bench.Answer | None:
        sent = self.now()
        answer = await conn.send(request)
        status = answer.status if answer else 0
        code = str(_json(answer.body).get("code", "")) if answer and status >= 400 else ""
        self.log.requests.append(
            {
                "kind": kind,
                "key": key,
                "sent": round(sent, 4),
                "seconds": round(self.now() - sent, 4),
                "status": status,
                "code": code,
            }
        )
        return answer

    async def until_definitive(
        self, conn: Connection, kind: str, key: str, build: Callable[[], bytes]
    ) -> bench.Answer | None:
        """Send until the answer is not a 5xx and not a dropped connection (same key every time),
        until the load and the drain are over; None when given up."""
        delay = 0.2
        while True:
            answer = await self.attempt(conn, kind, key, build())
            if answer is not None and answer.status < 500:
                return answer
            if self.now() > self.seconds + self.drain_seconds:
                return None
            await asyncio.sleep(delay * (0.5 + self.random.random()))
            delay = min(delay * 2, 2.0)

    # --- booking -------------------------------------------------------------------------------

    async def booking_client(self, index: int) -> None:
        conn = Connection(self.port)
        try:
            while not self.load_over:
                person = self.booking_people.take()
                if person is None:
                    return
                if not await self._book(conn, index, person):
                    return
        finally:
            conn.close()

    async def _book(self, conn: Connection, index: int, person: int) -> bool:
        token = self.data.booking_tokens[person]
        user_id = self.data.booking_user_ids[person]
        for attempt in range(1000):
            if self.load_over:
                return False
            position = self.ladder.pick()
            if position is None:
                return False
            key = f"ft-{self.data.run}-b{person}-{attempt}"
            body = json.dumps({"slot_id": self.ladder.slot_ids[position], "service": SERVICE}).encode()
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            }
            request = bench.http_request("POST", "/api/v1/appointments", self.host, headers, body)
            same = _constant(request)
            answer = await self.until_definitive(conn, "booking", key, same)
            if answer is None:
                self.log.in_doubt["bookings"].append(key)
                return True
            code = str(_json(answer.body).get("code", ""))
            self.log.outcomes[f"booking {answer.status} {code}".strip()] += 1
            if answer.status == 201:
                appointment = str(_json(answer.body).get("id"))
                self.log.acks["bookings"].append(Ack(key, appointment, f"user {user_id}"))
                if self.random.random() < REPLAY_BOOKING_FRACTION:
                    again = await self.until_definitive(conn, "booking-replay", key, same)
                    if again is not None and again.status in (200, 201):
                        self.log.replays["booking"] += 1
                        self.log.acks["bookings"].append(
                            Ack(key, str(_json(again.body).get("id")), f"user {user_id}")
                        )
                return True
            if answer.status == 409 and code == "slot_full":
                self.ladder.mark_full(position)
                continue
            return True
        return True

    # --- applications and payments -------------------------------------------------------------

    async def applicant_client(self, index: int) -> None:
        conn = Connection(self.port)
        try:
            while not self.load_over:
                applicant = self.applicants.take()
                if applicant is None:
                    return
                await self._apply_and_pay(conn, applicant)
                await asyncio.sleep(self.random.expovariate(1 / 0.3))  # reading the next page
        finally:
            conn.close()

    async def _apply_and_pay(self, conn: Connection, applicant: int) -> None:
        from exitentry.payments.gateways.sandbox import SandboxGateway

        token = self.data.applicant_tokens[applicant]
        user_id = self.data.applicant_user_ids[applicant]
        key = f"ft-{self.data.run}-a{applicant}"
        body = json.dumps(
            {
                "services": [SERVICE],
                "channel": "online",
                "priority": "normal",
                "delivery": {"method": "pickup", "service_point_id": self.data.pickup_point_id},
                "face_check_reference": f"sandbox-pass-{key}",
            }
        ).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        request = bench.http_request("POST", "/api/v1/applications", self.host, headers, body)
        answer = await self.until_definitive(conn, "application", key, lambda: request)
        if answer is None:
            self.log.in_doubt["applications"].append(key)
            return
        code = str(_json(answer.body).get("code", ""))
        self.log.outcomes[f"application {answer.status} {code}".strip()] += 1
        if answer.status != 201:
            return
        created = _json(answer.body)
        number = str(created.get("number"))
        self.log.acks["applications"].append(Ack(key, number, f"user {user_id}"))
        if self.random.random() < REPLAY_APPLICATION_FRACTION:
            again = await self.until_definitive(conn, "application-replay", key, lambda: request)
            if again is not None and again.status in (200, 201):
                self.log.replays["application"] += 1
                self.log.acks["applications"].append(
                    Ack(key, str(_json(again.body).get("number")), f"user {user_id}")
                )
        order = str(created.get("payment_order") or "")
        if not order:
            self.log.outcomes["application without a payment order"] += 1
            return
        amount = Decimal(str(created.get("total_fee_cny", "0")))
        gateway = SandboxGateway(GATEWAY)
        transaction_id = gateway.transaction_id(order, succeeded=True)

        def delivery() -> bytes:
            # A gateway signs every delivery anew (timestamp, nonce); the transaction id stays.
            signed, payload = gateway.callback(order, amount, succeeded=True)
            return bench.http_request(
                "POST",
                f"/api/v1/payments/callbacks/{GATEWAY}",
                self.host,
                {**signed, "Content-Type": "application/json"},
                payload,
            )

        deliveries = 2 if self.random.random() < REPLAY_CALLBACK_FRACTION else 1
        for delivered in range(deliveries):
            answer = await self.until_definitive(conn, "payment-callback", transaction_id, delivery)
            if answer is None:
                self.log.in_doubt["payments"].append(transaction_id)
                return
            outcome = _json(answer.body)
            self.log.outcomes[f"payment-callback {answer.status} {outcome.get('code', '')}".strip()] += 1
            if answer.status == 200:
                self.log.acks["payments"].append(
                    Ack(transaction_id, str(outcome.get("transaction_id")), str(outcome.get("order")))
                )
                if delivered:
                    self.log.replays["payment callback"] += 1

    async def warm_up(self, clients: int, *, limit: float = 60.0) -> float:
        """Until every worker has loaded the application and opened its connections (the first
        answers take seconds): rounds of signed-in reads until a round answers within a second.
        Not counted in the figures; the load (and its clock) starts afterwards."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            connections = [Connection(self.port) for _client in range(clients)]
            round_started = time.monotonic()
            tokens = self.data.booking_tokens
            requests = [
                bench.http_request(
                    "GET",
                    "/api/v1/appointments",
                    self.host,
                    {"Authorization": f"Bearer {tokens[index % len(tokens)]}"},
                )
                for index in range(clients)
            ]
            await asyncio.gather(
                *(conn.send(request) for conn, request in zip(connections, requests, strict=True))
            )
            for conn in connections:
                conn.close()
            if time.monotonic() - round_started < 1.0:
                break
        self.log.started = time.monotonic()
        return round(time.monotonic() - began, 1)

    async def run(self, booking_clients: int, applicant_clients: int, faults: Callable[[], Any]) -> None:
        await asyncio.gather(
            *(self.booking_client(index) for index in range(booking_clients)),
            *(self.applicant_client(index) for index in range(applicant_clients)),
            faults(),
        )


# ---------------------------------------------------------------------------------------------
# Faults


@dataclass
class FaultTimes:
    web_kill_at: float
    task_kill_at: float
    pg_down_at: float
    pg_down_seconds: float


def current_job(redis_url: str, pid: int) -> str | None:
    """The id of the job the RQ worker with this pid is running, if any."""
    from redis import Redis
    from rq import Worker

    with Redis.from_url(redis_url) as redis:
        for worker in Worker.all(connection=redis):
            if worker.pid == pid:
                job_id = worker.get_current_job_id()
                return str(job_id) if job_id else None
    return None


async def inject_faults(
    driver: Driver, stack: Stack, cluster: Any, times: FaultTimes, record: dict[str, Any]
) -> None:
    loop = asyncio.get_running_loop()

    async def at(moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - driver.now()))

    await at(times.web_kill_at)
    before = stack.web_worker_pids()
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    record["web_worker_killed"] = {
        "at_s": round(driver.now(), 2),
        "pid": victim,
        "workers_before": len(before),
    }
    log(f"SIGKILL web worker {victim}")
    for _wait in range(100):
        await asyncio.sleep(0.2)
        now_pids = stack.web_worker_pids()
        if len(now_pids) >= len(before) and victim not in now_pids:
            record["web_worker_killed"]["respawned_after_s"] = round(
                driver.now() - record["web_worker_killed"]["at_s"], 2
            )
            break

    await at(times.task_kill_at)
    worker = stack.workers[0]
    # Catch it running a job (a notification to send), so that the job dies with it.
    job = None
    for _wait in range(250):
        job = await loop.run_in_executor(None, current_job, stack.env["REDIS_URL"], worker.pid)
        if job:
            break
        await asyncio.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse
    worker.wait()
    record["task_worker_killed"] = {"at_s": round(driver.now(), 2), "pid": worker.pid, "job_killed": job}
    log(f"SIGKILL task worker {worker.pid} (running job {job}); starting a replacement")
    await asyncio.sleep(1.0)
    stack.start_worker()

    await at(times.pg_down_at)
    down_at = driver.now()
    await loop.run_in_executor(None, cluster.stop, "immediate")
    log("PostgreSQL stopped (immediate)")
    await asyncio.sleep(times.pg_down_seconds)
    start_at = driver.now()
    await loop.run_in_executor(None, cluster.start)
    up_at = driver.now()
    log("PostgreSQL started again")
    record["postgresql_restarted"] = {
        "down_at_s": round(down_at, 2),
        "start_at_s": round(start_at, 2),
        "up_at_s": round(up_at, 2),
        "mode": "immediate (crash, WAL recovery on start)",
    }


# ---------------------------------------------------------------------------------------------
# After the load: the task queue, then what the database holds


def settle_notifications(user_ids: list[int], *, timeout: float = 60.0) -> dict[str, Any]:
    """Wait until no notification of the run is queued or sending; meanwhile enqueue
    `send_due_notifications` every few seconds, as the scheduler does every minute."""
    from exitentry.notifications.models import Notification
    from exitentry.notifications.tasks import send_due_notifications

    deadline = time.monotonic() + timeout
    sweeps = 0
    pending = -1
    while time.monotonic() < deadline:
        connection.close()
        pending = Notification.objects.filter(
            recipient_user_id__in=user_ids, status__in=["queued", "sending"]
        ).count()
        if pending == 0:
            break
        send_due_notifications.enqueue()
        sweeps += 1
        time.sleep(3)
    return {"sweeps_enqueued": sweeps, "still_pending": pending}


def gather(data: RunData, log_: ClientLog) -> dict[str, Any]:
    from exitentry.applications.models import Application, ApplicationItem
    from exitentry.appointments.models import Appointment
    from exitentry.notifications.models import Notification, OutboxMessage
    from exitentry.payments.models import Order, Payment

    bookings = [
        faultcheck.Row(str(pk), f"user {user_id}")
        for pk, user_id in Appointment.objects.filter(user_id__in=data.booking_user_ids).values_list(
            "pk", "user_id"
        )
    ]
    applications = list(
        Application.objects.filter(submitted_by_id__in=data.applicant_user_ids).values_list(
            "number", "submitted_by_id", "payment_order_id"
        )
    )
    orders = [order for _number, _user, order in applications if order]
    payments = [
        faultcheck.Row(transaction_id, order)
        for transaction_id, order in Payment.objects.filter(
            order__number__in=orders, outcome="applied"
        ).values_list("gateway_transaction_id", "order__number")
    ]
    acknowledged_orders = {ack.subject for ack in log_.acks["payments"]}
    unpaid_acknowledged = Order.objects.filter(number__in=acknowledged_orders).exclude(status="paid").count()
    items_waiting = ApplicationItem.objects.filter(
        application__payment_order_id__in=acknowledged_orders, status="awaiting_payment"
    ).count()
    users = data.booking_user_ids + data.applicant_user_ids
    notifications = [
        {
            "id": pk,
            "recipient": user,
            "template": template,
            "channel": channel,
            "status": status,
            "subject_key": body,
        }
        for pk, user, template, channel, status, body in Notification.objects.filter(
            recipient_user_id__in=users
        ).values_list("pk", "recipient_user_id", "template_code", "channel", "status", "body")
    ]
    outbox = list(
        OutboxMessage.objects.filter(
            idempotency_key__in=[f"notification-{row['id']}" for row in notifications]
        ).values_list("idempotency_key", flat=True)
    )
    counters = faultcheck.slot_counters(data.slot_ids)
    acknowledged_numbers = {ack.id for ack in log_.acks["applications"]}
    submitted_notices = [
        str(row["subject_key"]) for row in notifications if row["template"] == "application_submitted"
    ]
    missing_submitted = sum(
        1 for number in acknowledged_numbers if not any(number in body for body in submitted_notices)
    )
    return {
        "bookings": faultcheck.reconcile(log_.acks["bookings"], bookings, in_doubt=log_.in_doubt["bookings"]),
        "applications": faultcheck.reconcile(
            log_.acks["applications"],
            [faultcheck.Row(number, f"user {user}") for number, user, _order in applications],
            in_doubt=log_.in_doubt["applications"],
        ),
        "payments": {
            **faultcheck.reconcile(log_.acks["payments"], payments, in_doubt=log_.in_doubt["payments"]),
            "acknowledged_orders_not_paid": unpaid_acknowledged,
            "items_still_waiting_for_payment": items_waiting,
        },
        "slot_counters": counters,
        "notifications": {
            **faultcheck.notifications_check(notifications, outbox),
            "acknowledged_applications_without_submitted_notice": missing_submitted,
        },
    }


# ---------------------------------------------------------------------------------------------
# schemathesis against the running server


def run_schemathesis(port: int, tokens: dict[str, str], *, examples: int, out_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    binary = Path(sys.executable).with_name("st")
    for role, token in tokens.items():
        report = out_dir / f"schemathesis-{role}.json"
        command = [
            str(binary),
            "run",
            f"http://127.0.0.1:{port}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--header",
            "X-Forwarded-Proto: https",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(examples),
            "--seed",
            "20261206",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--no-shrink",
            "--request-timeout",
            "20",
            "--generation-database",
            "none",
            "--report",
            "json",
            "--report-json-path",
            str(report),
            "--no-color",
        ]
        started = time.monotonic()
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)  # noqa: S603
        tail = completed.stdout.strip().splitlines()[-25:]
        results[role] = {
            "exit_code": completed.returncode,
            "seconds": round(time.monotonic() - started, 1),
            "summary": [line for line in tail if line.strip()],
            "server_errors": _server_errors_in(report),
            **_counts_in(report),
        }
        log(f"schemathesis as {role}: exit {completed.returncode} in {results[role]['seconds']} s")
    return results


def _counts_in(report: Path) -> dict[str, Any]:
    try:
        data = json.loads(report.read_text())
        return {
            "operations_tested": data["operations"]["tested"],
            "test_cases": data["test_cases"]["generated"],
            "unique_failures": data["test_cases"]["unique_failures"],
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _server_errors_in(report: Path) -> Any:
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return None
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("name") == "not_a_server_error" or "Server error" in str(node.get("title", "")):
                found.append(json.dumps(node)[:500])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found[:20]


# ---------------------------------------------------------------------------------------------
# The report


def write_report(result: dict[str, Any], requests: list[dict[str, Any]], results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"fault-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    with gzip.open(results_dir / f"fault-{stamp}.requests.jsonl.gz", "wt", encoding="utf-8") as handle:
        for request in requests:
            handle.write(json.dumps(request) + "\n")
    (results_dir / f"fault-{stamp}.md").write_text(markdown(result, path.name), encoding="utf-8")
    return path


def markdown(result: dict[str, Any], name: str) -> str:
    checks = result["checks"]
    lines = [
        f"# Load and fault test, {result['at']}",
        "",
        f"`{name}`. {result['setup']}",
        "",
        f"**Verdict: {'PASS' if result['passed'] else 'FAIL'}** — "
        f"{', '.join(result['failed']) or 'every check passed'}.",
        "",
        "| records | acknowledged | stored | lost | duplicated | conflicting | unacknowledged | in doubt |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("bookings", "applications", "payments"):
        row = checks[kind]
        lines.append(
            f"| {kind} | {row['acknowledged']} ({row['acknowledgements']} answers) | {row['stored']} | "
            f"{row['lost']} | {row['duplicated']} | {row['conflicting']} | {row['unacknowledged']} | "
            f"{row['in_doubt']} |"
        )
    counters = checks["slot_counters"]
    notes = checks["notifications"]
    outage = result["outage"]
    load = result["load"]
    lines += [
        "",
        f"- Slot counters: oversold {counters['oversold']}, double booked {counters['double_booked']}, "
        f"`booked` ≠ active appointments {counters['booked_counter_mismatch']}.",
        f"- Notifications: {notes['notifications']} ({notes['by_status']}), not sent {notes['not_sent']}, "
        f"duplicated {notes['duplicated']}, handed to the sender twice {notes['handed_over_twice']}.",
        f"- Load: {load['requests']} requests in {load['seconds']} s ({load['per_second']}/s), "
        f"p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms; outcomes {load['outcomes']}.",
        f"- Faults: {json.dumps(result['faults'])}",
        f"- PostgreSQL down {outage['down_at_s']}–{outage['up_at_s']} s: {outage['requests']} requests "
        f"answered {outage['outcomes']}; unclear {outage['unclear']}, hung {outage['hung']}, slowest "
        f"{outage['slowest_answer_ms']} ms; first success {outage['recovered_after_s']} s after it was back.",
        f"- 5xx other than 503 service_unavailable over the run: {result['server_errors'] or 'none'}.",
    ]
    for role, outcome in (result.get("schemathesis") or {}).items():
        lines.append(
            f"- schemathesis as {role}: {outcome.get('operations_tested', '?')} operations, "
            f"{outcome.get('test_cases', '?')} requests, {outcome.get('unique_failures', '?')} failures "
            f"(exit {outcome['exit_code']}, {outcome['seconds']} s); server errors: "
            f"{outcome['server_errors'] or 'none'}."
        )
    return "\n".join(lines) + "\n"


def load_figures(requests: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    during = [request for request in requests if request["sent"] < seconds]
    latencies = [request["seconds"] * 1000 for request in during if request["status"]]
    outcomes = Counter(
        f"{request['kind']} {request['status']} {request['code']}".strip() for request in during
    )
    return {
        "seconds": seconds,
        "requests": len(during),
        "per_second": round(len(during) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(bench.percentile(latencies, 0.5), 1),
        "p99_ms": round(bench.percentile(latencies, 0.99), 1),
        "outcomes": dict(sorted(outcomes.items())),
    }
