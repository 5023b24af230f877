"""Consent parties, answers and active choices are append-only, at the database too: an answer
is never changed, a withdrawal is a new answer (PostgreSQL triggers of consent 0005)."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from consent.dbroles import no_delete_tables, protected_tables
from consent.models import (
    ActiveChoice,
    AnswerChannel,
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentParty,
    PartyKind,
)

APPEND_ONLY = [ConsentParty, ConsentAnswer, ActiveChoice]


def test_parties_answers_and_choices_are_append_only_and_consents_never_deleted():
    assert {model._meta.db_table for model in APPEND_ONLY} <= set(protected_tables())
    assert Consent._meta.db_table in no_delete_tables()


@pytest.fixture
def answered(student_a, nurse_a):
    consent = Consent.objects.create(
        student=student_a,
        organisation=nurse_a.staff_member.organisation,
        kind=ConsentKind.READ_BY_PROVIDER,
        scope_organisation_number="5560000000",
        valid_from=datetime.date(2026, 8, 1),
        requested_by=nurse_a,
    )
    party = ConsentParty.objects.create(consent=consent, kind=PartyKind.STUDENT)
    answer = ConsentAnswer.objects.create(
        party=party, answer="agree", channel=AnswerChannel.ORAL, answered_by=nurse_a, note="Ja."
    )
    choice = ActiveChoice.objects.create(user=nurse_a, student=student_a, consent=consent)
    return {ConsentParty: party, ConsentAnswer: answer, ActiveChoice: choice}


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_even_the_owner_cannot_update_or_delete(postgres, answered, model):
    row = answered[model]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for sql in (
            f'UPDATE "{table}" SET id = id WHERE id = %s',
            f'DELETE FROM "{table}" WHERE id = %s',
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, [row.pk])
    assert model.objects.filter(pk=row.pk).exists()
