"""Sealing the access log in an HMAC chain: exact row sets, tamper evidence, the horizon rule."""

import datetime
import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from consent.accesslog import log_access
from consent.models import AccessAction, AccessLogEntry, AccessReason, LogSeal
from consent.sealing import (
    SEALED_FIELDS,
    _rows,
    digest_rows,
    seal_access_log,
    verify_access_log,
)

LONG_AGO = datetime.timedelta(hours=1)
NOW = datetime.timedelta(0)


def _old_rows(count: int, *, age=LONG_AGO, ids=None) -> list[AccessLogEntry]:
    """Log rows written ``age`` ago (test setup writes ``at`` itself; the app never does)."""
    at = timezone.now() - age
    rows = [
        AccessLogEntry(
            id=ids[index] if ids else None,
            at=at,
            username=f"user{index}",
            action=AccessAction.VIEW,
            reason=AccessReason.CARE_RELATION,
            path=f"/elever/{index}/",
        )
        for index in range(count)
    ]
    AccessLogEntry.objects.bulk_create(rows)
    return list(AccessLogEntry.objects.order_by("-id")[:count])[::-1]


@contextmanager
def tampering(*models):
    """Change log rows as the table owner would. On PostgreSQL the append-only trigger must be
    switched off first (visible DDL; rolled back with the test transaction)."""
    tables = [model._meta.db_table for model in models]
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses while deferred foreign-key checks of this transaction wait.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"')
    yield
    if postgres:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_append_only"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_every_column_of_the_log_is_sealed():
    columns = {field.attname for field in AccessLogEntry._meta.concrete_fields}
    assert columns == set(SEALED_FIELDS)


def test_old_rows_are_sealed_and_verify(db):
    rows = _old_rows(5)
    _old_rows(2, age=datetime.timedelta(seconds=5))  # within the horizon: not yet
    [seal] = seal_access_log()
    assert (seal.first_id, seal.last_id, seal.row_count) == (0, rows[-1].pk, 5)
    assert seal.previous_head == "0" * 64
    result = verify_access_log()
    assert result.ok, result.problems
    assert (result.seals, result.rows) == (1, 5)


def test_rows_from_the_real_insert_path_are_sealed_and_verify(db, nurse_a, student_a):
    log_access(nurse_a, student_a, AccessAction.VIEW, AccessReason.CARE_RELATION, path="/x/")
    assert seal_access_log() == []  # just written: inside the horizon
    [seal] = seal_access_log(horizon=NOW)
    assert seal.row_count == 1
    assert verify_access_log(horizon=NOW).ok


def test_sealing_twice_seals_nothing_twice_and_chains(db):
    _old_rows(3)
    [first] = seal_access_log()
    assert seal_access_log() == []
    assert LogSeal.objects.count() == 1
    _old_rows(2)
    [second] = seal_access_log()
    assert (second.first_id, second.previous_head, second.row_count) == (
        first.last_id,
        first.head,
        2,
    )
    assert verify_access_log().ok


def test_large_backlogs_are_sealed_in_batches(db):
    _old_rows(25)
    seals = seal_access_log(batch_size=10)
    assert [seal.row_count for seal in seals] == [10, 10, 5]
    assert verify_access_log().ok


def test_a_deleted_row_is_a_count_mismatch_of_its_seal(db):
    _old_rows(3)
    seal_access_log()
    victim = _old_rows(3)[1]
    second = seal_access_log()[0]
    with tampering(AccessLogEntry):
        AccessLogEntry.objects.filter(pk=victim.pk).delete()
    result = verify_access_log()
    assert (result.first_problem.seal_id, result.first_problem.kind) == (second.pk, "count")
    assert len(result.problems) == 1


def test_an_edited_row_is_a_hash_mismatch(db):
    rows = _old_rows(3)
    [seal] = seal_access_log()
    with tampering(AccessLogEntry):
        AccessLogEntry.objects.filter(pk=rows[0].pk).update(username="someone_else")
    result = verify_access_log()
    assert (result.first_problem.seal_id, result.first_problem.kind) == (seal.pk, "hash")


def test_a_deleted_row_with_a_rewritten_seal_breaks_the_chain(db):
    # Whoever can write the database can recompute count and hash, but not the HMAC head.
    rows = _old_rows(3)
    [seal] = seal_access_log()
    with tampering(AccessLogEntry, LogSeal):
        AccessLogEntry.objects.filter(pk=rows[1].pk).delete()
        count, rows_hash, _ = digest_rows(_rows(seal.first_id, seal.last_id))
        LogSeal.objects.filter(pk=seal.pk).update(row_count=count, rows_hash=rows_hash)
    result = verify_access_log()
    assert (result.first_problem.seal_id, result.first_problem.kind) == (seal.pk, "chain")


def test_a_wrong_key_is_a_chain_mismatch_at_the_first_seal(db):
    _old_rows(2)
    [first] = seal_access_log()
    _old_rows(2)
    seal_access_log()
    result = verify_access_log(key="not-the-key")
    assert (result.first_problem.seal_id, result.first_problem.kind) == (first.pk, "chain")


def test_old_rows_left_unsealed_are_reported(db):
    _old_rows(2)
    result = verify_access_log()
    assert result.first_problem.kind == "unsealed"
    assert result.unsealed_old_rows == 2


def test_heads_go_to_the_seal_file_and_a_deleted_seal_shows_there(db, settings, tmp_path):
    settings.ACCESS_LOG_SEAL_FILE = str(tmp_path / "heads.jsonl")
    _old_rows(2)
    seal_access_log()
    _old_rows(2)
    [last] = seal_access_log()
    lines = [json.loads(line) for line in (tmp_path / "heads.jsonl").read_text().splitlines()]
    assert [line["head"] for line in lines] == list(
        LogSeal.objects.order_by("id").values_list("head", flat=True)
    )
    assert verify_access_log().ok
    with tampering(LogSeal):
        LogSeal.objects.filter(pk=last.pk).delete()
    kinds = {(problem.seal_id, problem.kind) for problem in verify_access_log().problems}
    assert (last.pk, "file") in kinds
    assert (None, "unsealed") in kinds


# --- out-of-order commits: the horizon rule ------------------------------------------------------


def test_a_row_committed_late_with_a_smaller_id_is_not_sealed_past(db):
    """Simulated: id N+1 is visible first; id N arrives later with an older ``at``."""
    _old_rows(3)
    n = 1_000_000
    _old_rows(1, age=datetime.timedelta(seconds=5), ids=[n + 1])
    [early] = seal_access_log()
    assert early.last_id < n  # nothing past the recent row N+1
    _old_rows(1, age=datetime.timedelta(seconds=10), ids=[n])  # older `at`, committed later
    assert seal_access_log() == []  # both still inside the horizon
    [later] = seal_access_log(horizon=NOW)  # time has passed
    assert (later.first_id, later.last_id, later.row_count) == (early.last_id, n + 1, 2)
    assert verify_access_log(horizon=NOW).ok


def test_without_the_horizon_a_late_row_would_look_like_tampering(db):
    """Why the horizon exists: sealing past an invisible row leaves it outside its seal's count."""
    n = 1_000_000
    _old_rows(1, ids=[n + 1])
    [seal] = seal_access_log(horizon=NOW)
    _old_rows(1, ids=[n])
    result = verify_access_log(horizon=NOW)
    assert (result.first_problem.seal_id, result.first_problem.kind) == (seal.pk, "count")


def test_two_transactions_committing_out_of_order(postgres, transactional_db, nurse_a, student_a):
    """Real concurrency on PostgreSQL: a second connection holds row N uncommitted while row N+1
    commits; the sealer seals nothing past N, and a later run covers N and N+1 exactly."""
    old = _old_rows(3)
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO consent_accesslogentry (username, action, reason, record_type, "
                "record_id, view_name, path, protected) "
                "VALUES ('late', 'view', 'none', '', '', '', '', false) RETURNING id"
            )
            [n] = cursor.fetchone()
        log_access(nurse_a, student_a, AccessAction.VIEW, AccessReason.CARE_RELATION)
        newer = AccessLogEntry.objects.latest("id")
        assert newer.pk > n

        [early] = seal_access_log()
        assert early.last_id == old[-1].pk < n
        other.commit()
    finally:
        other.rollback()
        other.close()
    [later] = seal_access_log(horizon=NOW)
    assert (later.first_id, later.last_id, later.row_count) == (early.last_id, newer.pk, 2)
    assert verify_access_log(horizon=NOW).ok


# --- the commands -------------------------------------------------------------------------------


def test_the_commands_seal_verify_and_fail_on_tampering(db, capsys):
    rows = _old_rows(2)
    call_command("seal_access_log")
    assert "Förseglade 2 loggposter i 1 sigill" in capsys.readouterr().out
    call_command("seal_access_log")
    assert "Inga nya loggposter" in capsys.readouterr().out
    call_command("verify_access_log")
    assert "stämmer: 1 sigill, 2 rader" in capsys.readouterr().out
    with tampering(AccessLogEntry):
        AccessLogEntry.objects.filter(pk=rows[0].pk).delete()
    with pytest.raises(CommandError):
        call_command("verify_access_log")
    assert "Första avvikelse: sigill" in capsys.readouterr().err
