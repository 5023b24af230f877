"""Append-only at the database: the application role's grants, and the owner's trigger.

The suite connects as the table owner; ``as_app_role`` switches to the application role inside
a transaction (``SET LOCAL ROLE``), the way production connects. Refused statements run in
savepoints so the test transaction survives them.
"""

import pytest
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, ProgrammingError, connection, transaction

from consent.dbroles import grant_app_role, no_delete_tables, protected_tables
from consent.models import AccessAction, AccessLogEntry, AccessReason, LogSeal
from schools.models import Student
from tests.helpers import as_app_role, create_app_role

LOG = AccessLogEntry._meta.db_table
SEALS = LogSeal._meta.db_table


def _refused(cursor, sql: str, params=()) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        cursor.execute(sql, params)


def _log_row(student=None) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        student=student, action=AccessAction.VIEW, reason=AccessReason.CARE_RELATION
    )


def test_the_log_and_its_seals_are_protected():
    assert {LOG, SEALS} <= set(protected_tables())


def test_grants_need_postgres_and_an_existing_role(db):
    assert grant_app_role(role="elevhalsa_no_such_role_here") is False


def test_app_role_may_add_and_read_log_rows(postgres, student_a):
    with as_app_role():
        entry = _log_row(student_a)
        assert AccessLogEntry.objects.filter(pk=entry.pk, student=student_a).exists()


@pytest.mark.parametrize("table", [LOG, SEALS])
def test_app_role_may_not_update_delete_or_truncate(postgres, table):
    entry = _log_row()
    with as_app_role() as cursor:
        column = "username" if table == LOG else "rows_hash"
        _refused(cursor, f'UPDATE "{table}" SET "{column}" = %s', ["x"])
        _refused(cursor, f'DELETE FROM "{table}" WHERE id = %s', [entry.pk])
        _refused(cursor, f'TRUNCATE "{table}"')
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_app_role_may_change_ordinary_tables(postgres, student_a):
    with as_app_role():
        Student.objects.filter(pk=student_a.pk).update(city="Exempelby")
        with connection.cursor() as cursor:
            _refused(cursor, f'TRUNCATE "{Student._meta.db_table}" CASCADE')
    student_a.refresh_from_db()
    assert student_a.city == "Exempelby"


def test_every_table_is_granted_and_only_protected_ones_are_append_only(postgres):
    create_app_role()
    with connection.cursor() as cursor:  # start from nothing: the grants come from the migrate hook
        cursor.execute(
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {settings.DATABASE_APP_ROLE}"
        )
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, "
            "has_table_privilege(%(role)s, quote_ident(tablename), 'SELECT'), "
            "has_table_privilege(%(role)s, quote_ident(tablename), 'INSERT'), "
            "has_table_privilege(%(role)s, quote_ident(tablename), 'UPDATE'), "
            "has_table_privilege(%(role)s, quote_ident(tablename), 'DELETE'), "
            "has_table_privilege(%(role)s, quote_ident(tablename), 'TRUNCATE') "
            "FROM pg_tables WHERE schemaname = current_schema()",
            {"role": settings.DATABASE_APP_ROLE},
        )
        privileges = {row[0]: row[1:] for row in cursor.fetchall()}
    assert len(privileges) > 20
    protected, no_delete = set(protected_tables()), set(no_delete_tables())
    for table, (select, insert, update, delete, truncate) in privileges.items():
        assert (select, insert, truncate) == (True, True, False), table
        expected = (False, False) if table in protected else (True, table not in no_delete)
        assert (update, delete) == expected, table


@pytest.mark.parametrize("table", [LOG, SEALS])
def test_even_the_owner_cannot_update_or_delete(postgres, table):
    entry = _log_row()
    column = "username" if table == LOG else "rows_hash"
    if table == SEALS:
        LogSeal.objects.create(
            first_id=0, last_id=entry.pk, row_count=1, rows_hash="0", previous_head="0", head="h"
        )
    with connection.cursor() as cursor:
        for sql in (f'UPDATE "{table}" SET "{column}" = %s', f'DELETE FROM "{table}" WHERE %s'):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, ["x"] if "UPDATE" in sql else [True])
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_orm_cannot_delete_log_rows_as_owner_either(postgres):
    entry = _log_row()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
