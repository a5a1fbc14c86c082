import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from exitentry.audit.chain import GENESIS_HASH, hash_of
from exitentry.audit.models import AppendOnlyError, AuditChainHead, AuditEvent
from exitentry.audit.services import record_event, verify_chains

pytestmark = pytest.mark.django_db


def _events(count: int) -> list[AuditEvent]:
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(record_event("calendar.override_saved", object_id=number, after={"n": number}))
    return events


def _verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"\nERROR {error}")
    return out.getvalue(), err.getvalue()


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_each_event_links_to_the_one_before_it_in_its_chain():
    first, second, third = _events(3)

    assert first.shard == second.shard == third.shard  # one connection, one chain
    assert (second.seq, third.seq) == (first.seq + 1, first.seq + 2)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert AuditEvent.objects.get(pk=third.pk).hash == hash_of(AuditEvent.objects.get(pk=third.pk))
    head = AuditChainHead.objects.get(shard=third.shard)
    assert (head.seq, head.hash) == (third.seq, third.hash)
    if first.seq == 1:
        assert first.prev_hash == GENESIS_HASH


def test_verify_passes_on_an_untouched_trail():
    _events(3)

    out, err = _verify()

    assert err == ""
    checked, problems = verify_chains()
    assert problems == []
    assert f"ok: {checked} audit event(s)" in out
    assert checked >= 3


def test_verify_names_an_event_edited_in_the_database():
    events = _events(3)
    _sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", "calendar.nothing_happened", events[1].pk)

    _, err = _verify()

    assert (
        f"TAMPERED altered: chain {events[1].shard}: event #{events[1].pk} (seq {events[1].seq}) was altered"
        in err
    )
    assert "ERROR 1 problem(s)" in err


def test_verify_names_an_event_whose_hash_was_recomputed_after_editing():
    events = _events(3)
    edited = AuditEvent.objects.get(pk=events[1].pk)
    edited.summary = {"after": {"n": 99}}
    _sql(
        "UPDATE audit_auditevent SET summary = %s, hash = %s WHERE id = %s",
        '{"after": {"n": 99}}',
        hash_of(edited),
        edited.pk,
    )

    _, err = _verify()

    later, edited_pk = events[2], events[1].pk
    expected = f"chain {later.shard}: event #{later.pk} (seq {later.seq}) does not follow event #{edited_pk}"
    assert f"TAMPERED broken_link: {expected}" in err


def test_verify_names_the_neighbours_of_a_deleted_event():
    events = _events(3)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", events[1].pk)

    _, err = _verify()

    assert (
        f"TAMPERED missing: chain {events[0].shard}: event(s) seq {events[1].seq}..{events[1].seq} deleted "
        f"after event #{events[0].pk}, before event #{events[2].pk}"
    ) in err


def test_verify_notices_the_newest_event_deleted():
    events = _events(2)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", events[1].pk)

    _, err = _verify()

    last = events[1]
    expected = f"chain {last.shard}: the newest event(s) seq {last.seq}..{last.seq} were deleted"
    assert f"TAMPERED truncated: {expected}" in err


@pytest.mark.parametrize(
    "bulk_change",
    [
        lambda: AuditEvent.objects.filter(action="calendar.override_saved").update(action="x"),
        lambda: AuditEvent.objects.filter(action="calendar.override_saved").delete(),
        lambda: AuditEvent.objects.bulk_create([AuditEvent(action="x")]),
        lambda: AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["action"]),
    ],
    ids=["update", "delete", "bulk_create", "bulk_update"],
)
def test_bulk_changes_to_the_trail_are_refused(bulk_change):
    _events(2)
    before = list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash"))

    with pytest.raises(AppendOnlyError):
        bulk_change()

    assert list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash")) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_take_the_same_place_in_a_chain(settings):
    settings.AUDIT_CHAIN_SHARDS = 2  # fewer chains than writers: they must queue on the heads
    before = AuditEvent.objects.count()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for number in range(15):
                with transaction.atomic():
                    record_event("load.tested", object_id=f"{worker}-{number}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.count() == before + 90
    checked, problems = verify_chains()
    assert problems == []
    assert checked == before + 90


def test_an_event_costs_the_head_lock_and_one_insert_that_also_moves_the_head():
    from django.test.utils import CaptureQueriesContext

    first = _events(1)[0]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event = record_event(
            "calendar.override_saved", object_id=7, after={"n": 7, "names": ["出入境", "x"]}, note=None
        )

    expected = 2 if connection.vendor == "postgresql" else 3  # lock; insert (+ head update elsewhere)
    assert len([q for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]) == expected
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.shard, stored.seq, stored.prev_hash, stored.hash) == (
        first.shard,
        first.seq + 1,
        first.hash,
        event.hash,
    )
    assert stored.summary == {"after": {"n": 7, "names": ["出入境", "x"]}, "note": None}
    assert stored.hash == hash_of(stored)
    head = AuditChainHead.objects.get(shard=first.shard)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert verify_chains()[1] == []
