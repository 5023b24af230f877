"""School-time medication orders and self-care plans (issue 9, items 2–4 and "Bad input"):
the services' lifecycle (draft → sign → new version → sign), immutability down to the database,
clear messages for bad input, the pages (overview, record pages, per-school list) with their
access rules and log rows, and the start page's re-assessment reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessAction, AccessLogEntry
from journal.models import (
    EntryStatus,
    ImmutableRecordError,
    MedicationOrder,
    MedicationRoute,
    MedicationStorage,
    SelfCarePlan,
)
from journal.services import medication as services
from tests.helpers import as_app_role, assert_constant_queries, visible_text
from tests.schools.factories import (
    AssignmentFactory,
    EnrolmentFactory,
    StudentFactory,
)

# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def order_fields(**overrides) -> dict:
    fields = {
        "medicine": "Ventoline",
        "strength": "0,1 mg/dos",
        "form": "inhalationsspray",
        "atc_code": "R03AC02",
        "dose": "2 puffar",
        "route": MedicationRoute.INHALED,
        "times_of_day": "",
        "as_needed": True,
        "as_needed_condition": "Vid andnöd eller före idrott",
        "start_date": days(-10),
        "end_date": None,
        "prescriber": "Dr Exempel, Barnmottagningen Exempelstad",
        "prescribed_on": days(-30),
        "instructions_from": "Vårdnadshavaren Eva Exempel",
        "instructions_received_on": days(-12),
        "storage": MedicationStorage.CARRIED,
        "school_helper": "Mentor",
        "note": "",
    }
    fields.update(overrides)
    return fields


def plan_fields(**overrides) -> dict:
    fields = {
        "measure": "Blodsockerkontroll före lunch och insulin enligt schema.",
        "performed_by": "Elevassistent Kim Exempel",
        "instructions_given": "Diabetessjuksköterskan instruerar personalen vid terminsstart.",
        "on_change": "Vid lågt blodsocker: druvsocker, ring vårdnadshavare, vid medvetslöshet 112.",
        "follow_up": "Uppföljning med vårdnadshavare varje termin.",
        "valid_from": days(-5),
        "reassess_on": days(180),
    }
    fields.update(overrides)
    return fields


def make_order(author, student, *, sign=True, **overrides) -> MedicationOrder:
    order = services.order_create_draft(by=author, student=student, **order_fields(**overrides))
    if sign:
        order = services.order_sign(order=order, by=author)
    return order


def make_plan(author, student, *, sign=True, **overrides) -> SelfCarePlan:
    plan = services.plan_create_draft(by=author, student=student, **plan_fields(**overrides))
    if sign:
        plan = services.plan_sign(plan=plan, by=author)
    return plan


def signed_plan_due(author, student, reassess_on, *, replaces=None) -> SelfCarePlan:
    """A signed plan whose re-assessment date may already have passed (as time makes it):
    written with the model, since the services refuse a past date when it is written."""
    plan = SelfCarePlan(
        student=student,
        organisation=author.staff_member.organisation,
        author=author,
        author_name=author.get_full_name(),
        status=EntryStatus.SIGNED,
        signed_at=timezone.now(),
        replaces=replaces,
        change_reason="Omprövad" if replaces else "",
        **plan_fields(
            valid_from=reassess_on - datetime.timedelta(days=365), reassess_on=reassess_on
        ),
    )
    plan.save()
    return plan


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Services: the lifecycle -------------------------------------------------------------------


def test_order_draft_sign_new_version_sign(nurse_a, doctor_a, student_a):
    draft = make_order(nurse_a, student_a, sign=False)
    assert draft.status == EntryStatus.DRAFT
    assert (
        draft.area == "EMI"
        and draft.organisation_id == student_a.enrolments.get().school.organisation_id
    )
    assert not services.current_orders(MedicationOrder.objects.all()).exists()

    first = services.order_sign(order=draft, by=nurse_a)
    assert first.is_signed and first.signed_at is not None
    assert list(services.current_orders(MedicationOrder.objects.all())) == [first]

    revision = services.order_revise(order=first, by=doctor_a, reason="Ny dos enligt läkare")
    assert revision.replaces == first and revision.change_reason == "Ny dos enligt läkare"
    assert revision.status == EntryStatus.DRAFT and revision.author == doctor_a
    assert (revision.medicine, revision.dose, revision.prescriber) == (
        first.medicine,
        first.dose,
        first.prescriber,
    )
    # Until the new version is signed, the old one holds.
    assert list(services.current_orders(MedicationOrder.objects.all())) == [first]

    services.order_save_draft(order=revision, by=doctor_a, dose="4 puffar")
    second = services.order_sign(order=revision, by=doctor_a)
    assert list(services.current_orders(MedicationOrder.objects.all())) == [second]
    assert second.dose == "4 puffar"
    # The old version is still there, unchanged and readable, and only replaced.
    old = MedicationOrder.objects.get(pk=first.pk)
    assert old.is_signed and old.dose == "2 puffar"
    assert services.record_state(old) == "replaced"
    assert services.record_state(second) == "current"
    # A replaced version gets no new version of its own.
    with pytest.raises(ValidationError, match="nyare version"):
        services.order_revise(order=old, by=nurse_a, reason="Igen")


def test_plan_draft_sign_new_version_sign(nurse_a, student_a):
    first = make_plan(nurse_a, student_a)
    assert list(services.current_plans(SelfCarePlan.objects.all())) == [first]
    revision = services.plan_revise(plan=first, by=nurse_a, reason="Omprövning")
    services.plan_save_draft(plan=revision, by=nurse_a, reassess_on=days(365))
    second = services.plan_sign(plan=revision, by=nurse_a)
    assert list(services.current_plans(SelfCarePlan.objects.all())) == [second]
    assert SelfCarePlan.objects.get(pk=first.pk).reassess_on == days(180)


def test_one_open_revision_at_a_time(nurse_a, doctor_a, student_a):
    order = make_order(nurse_a, student_a)
    revision = services.order_revise(order=order, by=nurse_a, reason="Ändrad tid")
    # Asking again gives the author her own open draft, not a second one.
    assert services.order_revise(order=order, by=nurse_a, reason="Igen") == revision
    with pytest.raises(ValidationError, match="håller redan på"):
        services.order_revise(order=order, by=doctor_a, reason="Annan ändring")
    assert MedicationOrder.objects.filter(replaces=order).count() == 1


def test_revision_needs_a_reason_and_a_signed_original(nurse_a, student_a):
    order = make_order(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        services.order_revise(order=order, by=nurse_a, reason="  ")
    assert error.value.message_dict == {"reason": ["Skriv varför en ny version behövs."]}
    draft = make_order(nurse_a, student_a, sign=False)
    with pytest.raises(ValidationError, match="Ett utkast ändras direkt"):
        services.order_revise(order=draft, by=nurse_a, reason="Fel")


def test_order_and_plan_ended_and_upcoming_are_not_current(nurse_a, student_a):
    ended = make_order(nurse_a, student_a, start_date=days(-60), end_date=days(-1))
    upcoming = make_order(nurse_a, student_a, medicine="Insulin", start_date=days(3))
    today_only = make_order(
        nurse_a, student_a, medicine="Alvedon", start_date=today(), end_date=today()
    )
    assert list(services.current_orders(MedicationOrder.objects.all())) == [today_only]
    assert services.record_state(ended) == "ended"
    assert services.record_state(upcoming) == "upcoming"
    future_plan = make_plan(nurse_a, student_a, valid_from=days(2))
    assert not services.current_plans(SelfCarePlan.objects.all()).exists()
    assert services.record_state(future_plan) == "upcoming"


def test_only_the_author_saves_and_signs_a_draft(nurse_a, doctor_a, student_a):
    draft = make_order(nurse_a, student_a, sign=False)
    with pytest.raises(ValidationError, match="Bara den som skrev"):
        services.order_save_draft(order=draft, by=doctor_a, dose="1 puff")
    with pytest.raises(ValidationError, match="Bara den som skrev"):
        services.order_sign(order=draft, by=doctor_a)
    assert MedicationOrder.objects.get(pk=draft.pk).dose == "2 puffar"


def test_psychologist_writes_no_orders_or_plans(psychologist_a, student_a):
    with pytest.raises(ValidationError, match="skolsköterska eller skolläkare"):
        make_order(psychologist_a, student_a, sign=False)
    with pytest.raises(ValidationError, match="skolsköterska eller skolläkare"):
        make_plan(psychologist_a, student_a, sign=False)
    assert not MedicationOrder.objects.exists() and not SelfCarePlan.objects.exists()


def test_author_name_and_title_come_from_the_staff_member(doctor_a, student_a):
    doctor_a.first_name, doctor_a.last_name = "Dana", "Doktor"
    doctor_a.save()
    doctor_a.staff_member.title = "Skolläkare, barnläkare"
    doctor_a.staff_member.save()
    plan = make_plan(doctor_a, student_a)
    assert plan.author_name == "Dana Doktor"
    assert plan.author_title == "Skolläkare, barnläkare"
    assert plan.organisation_id == doctor_a.staff_member.organisation_id


def test_every_write_keeps_history_with_who(nurse_a, doctor_a, student_a):
    draft = make_order(nurse_a, student_a, sign=False)
    services.order_save_draft(order=draft, by=nurse_a, dose="1 puff")
    services.order_sign(order=draft, by=nurse_a)
    services.order_revise(order=draft, by=doctor_a, reason="Ny dos")
    rows = list(MedicationOrder.history.order_by("history_id"))
    assert [(row.history_type, row.history_user, row.status) for row in rows] == [
        ("+", nurse_a, "draft"),
        ("~", nurse_a, "draft"),
        ("~", nurse_a, "signed"),
        ("+", doctor_a, "draft"),
    ]
    assert rows[1].dose == "1 puff" and rows[0].dose == "2 puffar"
    assert rows[-1].replaces_id == draft.pk
    plan = make_plan(nurse_a, student_a)
    assert [row.history_user for row in plan.history.all()] == [nurse_a, nurse_a]


def test_scanned_instructions_are_checked_like_attachments(nurse_a, student_a):
    scan = SimpleUploadedFile("instruktion.png", PNG, content_type="image/png")
    order = make_order(nurse_a, student_a, instructions_file=scan)
    assert order.instructions_file.name.startswith("instructions/")
    revision = services.order_revise(order=order, by=nurse_a, reason="Ny tid")
    assert revision.instructions_file.name == order.instructions_file.name

    fake = SimpleUploadedFile("instruktion.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        make_order(nurse_a, student_a, sign=False, instructions_file=fake)
    assert "Filtypen kan inte bifogas" in error.value.message_dict["instructions_file"][0]


# --- Services: bad input, each with its message on its field -----------------------------------

ORDER_PROBLEMS = [
    ({"prescriber": ""}, "prescriber", "Ange förskrivande läkare och vårdenhet."),
    ({"instructions_from": " "}, "instructions_from", "Ange vem som lämnade"),
    ({"instructions_received_on": None}, "instructions_received_on", "Ange när den skriftliga"),
    ({"instructions_received_on": days(2)}, "instructions_received_on", "i framtiden"),
    ({"end_date": days(-11)}, "end_date", "Slutdatumet ligger före startdatumet."),
    ({"as_needed_condition": ""}, "as_needed_condition", "Beskriv när läkemedlet ges vid behov"),
    ({"as_needed": False}, "times_of_day", "Ange när läkemedlet ges"),
    ({"medicine": ""}, "medicine", "Ange läkemedlets namn."),
    ({"dose": ""}, "dose", "Ange dosen."),
    ({"route": ""}, "route", "Välj administrationssätt."),
    ({"storage": "garderob"}, "storage", "Okänd förvaring."),
    ({"start_date": None}, "start_date", "Ange från vilket datum"),
    ({"atc_code": "ventolin"}, "atc_code", "ATC-koden har formen"),
    ({"prescribed_on": days(1)}, "prescribed_on", "i framtiden"),
    ({"medicine": "x" * 201}, "medicine", "Högst 200 tecken."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), ORDER_PROBLEMS)
def test_bad_order_is_refused_with_a_message(nurse_a, student_a, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        make_order(nurse_a, student_a, sign=False, **overrides)
    assert field in error.value.message_dict
    assert message in error.value.message_dict[field][0]
    assert not MedicationOrder.objects.exists()


def test_every_problem_of_an_order_is_said_at_once(nurse_a, student_a):
    with pytest.raises(ValidationError) as error:
        make_order(
            nurse_a, student_a, sign=False, prescriber="", instructions_from="", end_date=days(-20)
        )
    assert {"prescriber", "instructions_from", "end_date"} <= set(error.value.message_dict)


PLAN_PROBLEMS = [
    ({"reassess_on": days(-1)}, "reassess_on", "Omprövningsdatumet har redan passerat"),
    (
        {"valid_from": days(30), "reassess_on": days(10)},
        "reassess_on",
        "Omprövningen ligger före datumet planen gäller från.",
    ),
    ({"measure": ""}, "measure", "Beskriv egenvårdsåtgärden."),
    ({"performed_by": ""}, "performed_by", "Ange vem som utför"),
    ({"instructions_given": ""}, "instructions_given", "Beskriv hur instruktion"),
    ({"on_change": ""}, "on_change", "vem de kontaktar"),
    ({"reassess_on": None}, "reassess_on", "Ange när planen senast ska omprövas."),
    ({"valid_from": None}, "valid_from", "Ange från vilket datum planen gäller."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), PLAN_PROBLEMS)
def test_bad_plan_is_refused_with_a_message(nurse_a, student_a, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        make_plan(nurse_a, student_a, sign=False, **overrides)
    assert message in error.value.message_dict[field][0]
    assert not SelfCarePlan.objects.exists()


def test_a_revision_with_a_passed_reassessment_date_is_signed_only_after_a_new_date(
    nurse_a, student_a
):
    old = signed_plan_due(nurse_a, student_a, days(-3))
    revision = services.plan_revise(plan=old, by=nurse_a, reason="Omprövning")
    assert revision.reassess_on == days(-3)  # a copy, to edit
    with pytest.raises(ValidationError, match="redan passerat"):
        services.plan_sign(plan=revision, by=nurse_a)
    services.plan_save_draft(plan=revision, by=nurse_a, reassess_on=days(200))
    assert services.plan_sign(plan=revision, by=nurse_a).is_signed


# --- Immutability ------------------------------------------------------------------------------


def test_a_signed_order_is_never_changed_or_deleted(nurse_a, student_a):
    order = make_order(nurse_a, student_a)
    order.dose = "10 puffar"
    with pytest.raises(ImmutableRecordError):
        order.save()
    with pytest.raises(ImmutableRecordError):
        MedicationOrder.objects.filter(pk=order.pk).update(dose="10 puffar")
    with pytest.raises(ImmutableRecordError):
        MedicationOrder.objects.filter(pk=order.pk).delete()
    with pytest.raises(ImmutableRecordError):
        order.delete()
    with pytest.raises(ValidationError, match="signerad"):
        services.order_save_draft(order=order, by=nurse_a, dose="10 puffar")
    with pytest.raises(ValidationError, match="redan signerad"):
        services.order_sign(order=order, by=nurse_a)
    assert MedicationOrder.objects.get(pk=order.pk).dose == "2 puffar"


def test_a_signed_plan_is_never_changed(nurse_a, student_a):
    plan = make_plan(nurse_a, student_a)
    with pytest.raises(ImmutableRecordError):
        SelfCarePlan.objects.filter(pk=plan.pk).update(measure="Annat")
    with pytest.raises(ValidationError, match="signerad"):
        services.plan_save_draft(plan=plan, by=nurse_a, measure="Annat")


def _refused(cursor, sql, params, error, match):
    with pytest.raises(error, match=match), transaction.atomic():
        cursor.execute(sql, params)


@pytest.mark.parametrize("model", [MedicationOrder, SelfCarePlan])
def test_app_role_cannot_update_a_signed_record_nor_delete_any(postgres, nurse_a, student_a, model):
    signed = (
        make_order(nurse_a, student_a)
        if model is MedicationOrder
        else make_plan(nurse_a, student_a)
    )
    draft = (
        make_order(nurse_a, student_a, sign=False)
        if model is MedicationOrder
        else make_plan(nurse_a, student_a, sign=False)
    )
    table = model._meta.db_table
    with as_app_role() as cursor:
        _refused(
            cursor,
            f"UPDATE {table} SET author_name = 'Någon annan' WHERE id = %s",
            [signed.pk],
            IntegrityError,
            "signed journal entry",
        )
        for row in (signed, draft):
            _refused(
                cursor,
                f"DELETE FROM {table} WHERE id = %s",
                [row.pk],
                ProgrammingError,
                "permission denied",
            )
        cursor.execute(f"UPDATE {table} SET author_name = 'Utkast' WHERE id = %s", [draft.pk])
        assert cursor.rowcount == 1
    assert model.objects.get(pk=signed.pk).author_name == signed.author_name
    assert model.objects.count() == 2


def test_owner_cannot_delete_an_order_either(postgres, nurse_a, student_a):
    order = make_order(nurse_a, student_a, sign=False)
    with connection.cursor() as cursor:
        _refused(
            cursor,
            "DELETE FROM journal_medicationorder WHERE id = %s",
            [order.pk],
            IntegrityError,
            "never deleted",
        )
    assert MedicationOrder.objects.filter(pk=order.pk).exists()


# --- Pages: writing ----------------------------------------------------------------------------


def post_data(fields: dict, **extra) -> dict:
    data = {}
    for name, value in fields.items():
        if value is None or value is False:
            continue
        data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    data.update(extra)
    return data


def test_nurse_writes_and_signs_an_order(client, nurse_a, student_a):
    client.force_login(nurse_a)
    new_url = reverse("journal:order-new", args=[student_a.public_id])
    assert client.get(new_url).status_code == 200
    response = client.post(new_url, post_data(order_fields(), action="save"))
    order = MedicationOrder.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("journal:order-detail", args=[order.public_id])
    assert order.status == EntryStatus.DRAFT and order.author == nurse_a

    detail = client.get(response.url)
    assert detail.status_code == 200
    assert "Signera" in visible_text(detail) and "Redigera" in visible_text(detail)

    edit_url = reverse("journal:order-edit", args=[order.public_id])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, post_data(order_fields(dose="3 puffar"), action="save"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.dose == "3 puffar" and not order.is_signed

    response = client.post(reverse("journal:order-sign", args=[order.public_id]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.is_signed

    overview = client.get(reverse("journal:care-overview", args=[student_a.public_id]))
    text = visible_text(overview)
    assert "Ventoline 0,1 mg/dos inhalationsspray" in text
    assert "Vid behov: Vid andnöd eller före idrott" in text
    assert "Dr Exempel, Barnmottagningen Exempelstad" in text
    assert "Ny version" in visible_text(
        client.get(reverse("journal:order-detail", args=[order.public_id]))
    )


def test_nurse_writes_and_signs_a_plan_in_one_step(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:plan-new", args=[student_a.public_id]),
        post_data(plan_fields(), action="sign"),
    )
    plan = SelfCarePlan.objects.get()
    assert response.status_code == 302 and plan.is_signed
    overview = visible_text(
        client.get(reverse("journal:care-overview", args=[student_a.public_id]))
    )
    assert "Blodsockerkontroll före lunch" in overview
    assert days(180).isoformat() in overview


def test_bad_order_form_keeps_what_was_typed(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:order-new", args=[student_a.public_id]),
        post_data(order_fields(prescriber="", end_date=days(-20)), action="save"),
    )
    assert response.status_code == 200
    text = visible_text(response)
    assert "Ange förskrivande läkare och vårdenhet." in text
    assert "Slutdatumet ligger före startdatumet." in text
    assert 'value="Vårdnadshavaren Eva Exempel"' in response.content.decode()
    assert not MedicationOrder.objects.exists()


def test_plan_form_refuses_a_passed_reassessment_date(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:plan-new", args=[student_a.public_id]),
        post_data(plan_fields(reassess_on=days(-1)), action="save"),
    )
    assert response.status_code == 200
    assert "Omprövningsdatumet har redan passerat" in visible_text(response)
    assert not SelfCarePlan.objects.exists()


def test_new_version_from_the_page(client, nurse_a, student_a):
    order = make_order(nurse_a, student_a)
    client.force_login(nurse_a)
    url = reverse("journal:order-revise", args=[order.public_id])
    page = client.get(url)
    assert page.status_code == 200 and "Skäl till den nya versionen" in visible_text(page)
    refused = client.post(url, {"reason": ""})
    assert "Skriv varför en ny version behövs." in visible_text(refused)
    assert not MedicationOrder.objects.filter(replaces=order).exists()
    response = client.post(url, {"reason": "Ändrad dos"})
    revision = MedicationOrder.objects.get(replaces=order)
    assert response.status_code == 302
    assert response.url == reverse("journal:order-edit", args=[revision.public_id])
    # Both pages show the chain with the reason.
    assert "Ändrad dos" in visible_text(
        client.get(reverse("journal:order-detail", args=[order.public_id]))
    )
    edit = visible_text(client.get(response.url))
    assert "ny version av ett signerat läkemedel" in edit and "Ändrad dos" in edit


def test_sign_is_post_only(client, nurse_a, student_a):
    order = make_order(nurse_a, student_a, sign=False)
    client.force_login(nurse_a)
    assert client.get(reverse("journal:order-sign", args=[order.public_id])).status_code == 405


# --- Pages: who may ----------------------------------------------------------------------------


def test_colleague_reads_a_draft_but_may_not_edit_or_sign_it(client, nurse_a, doctor_a, student_a):
    draft = make_order(nurse_a, student_a, sign=False)
    client.force_login(doctor_a)
    detail = client.get(reverse("journal:order-detail", args=[draft.public_id]))
    assert detail.status_code == 200 and "Bara den som skrev det" in visible_text(detail)
    edit_url = reverse("journal:order-edit", args=[draft.public_id])
    assert client.get(edit_url).status_code == 403
    assert (
        client.post(edit_url, post_data(order_fields(dose="9"), action="save")).status_code == 403
    )
    assert client.post(reverse("journal:order-sign", args=[draft.public_id])).status_code == 403
    draft.refresh_from_db()
    assert draft.dose == "2 puffar" and not draft.is_signed


def test_crafted_post_to_a_signed_record_is_refused(client, nurse_a, student_a):
    order = make_order(nurse_a, student_a)
    plan = make_plan(nurse_a, student_a)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:order-edit", args=[order.public_id]),
        post_data(order_fields(dose="10 puffar"), action="sign"),
    )
    assert response.status_code == 403
    assert client.post(reverse("journal:plan-sign", args=[plan.public_id])).status_code == 403
    assert (
        client.post(
            reverse("journal:plan-edit", args=[plan.public_id]), post_data(plan_fields(measure="X"))
        ).status_code
        == 403
    )
    assert MedicationOrder.objects.get(pk=order.pk).dose == "2 puffar"
    assert SelfCarePlan.objects.get(pk=plan.pk).measure == plan.measure


def test_psychologist_gets_no_orders_or_plans(client, nurse_a, psychologist_a, student_a):
    order = make_order(nurse_a, student_a)
    plan = make_plan(nurse_a, student_a)
    client.force_login(psychologist_a)
    for name, record in (("order", order), ("plan", plan)):
        for action in ("detail", "edit", "revise"):
            url = reverse(f"journal:{name}-{action}", args=[record.public_id])
            assert client.get(url).status_code == 404, url
    assert client.get(reverse("journal:order-new", args=[student_a.public_id])).status_code == 403
    assert (
        client.post(
            reverse("journal:plan-new", args=[student_a.public_id]), post_data(plan_fields())
        ).status_code
        == 403
    )
    # The overview shows her the alerts (they cross the wall), not the medical record's orders.
    overview = client.get(reverse("journal:care-overview", args=[student_a.public_id]))
    assert overview.status_code == 200
    assert "Ventoline" not in visible_text(overview)
    assert "Nytt läkemedel" not in visible_text(overview)
    assert SelfCarePlan.objects.count() == 1


def test_other_organisation_and_other_school_get_404(client, nurse_a, nurse_b, nurse_a2, student_a):
    order = make_order(nurse_a, student_a)
    for user in (nurse_b, nurse_a2):
        client.force_login(user)
        assert (
            client.get(reverse("journal:order-detail", args=[order.public_id])).status_code == 404
        )
        assert (
            client.get(reverse("journal:care-overview", args=[student_a.public_id])).status_code
            == 404
        )
        assert (
            client.get(reverse("journal:order-new", args=[student_a.public_id])).status_code == 404
        )


def test_record_page_writes_one_log_row(client, nurse_a, student_a):
    order = make_order(nurse_a, student_a)
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    client.get(reverse("journal:order-detail", args=[order.public_id]))
    row = AccessLogEntry.objects.order_by("-pk").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert row.student_id == student_a.pk and row.action == AccessAction.VIEW
    assert row.record_type == "journal.medicationorder" and row.record_id == str(order.pk)


def test_overview_lists_current_drafts_and_history_apart(client, nurse_a, student_a):
    old = make_order(nurse_a, student_a)
    revision = services.order_revise(order=old, by=nurse_a, reason="Ny dos")
    services.order_save_draft(order=revision, by=nurse_a, dose="4 puffar")
    services.order_sign(order=revision, by=nurse_a)
    make_order(nurse_a, student_a, medicine="Penicillin", start_date=days(-30), end_date=days(-2))
    make_plan(nurse_a, student_a, sign=False, measure="Utkast till plan")
    client.force_login(nurse_a)
    response = client.get(reverse("journal:care-overview", args=[student_a.public_id]))
    html = response.content.decode()
    current, _, rest = html.partition("Osignerade utkast")
    drafts, _, history = rest.partition("Avslutade och ersatta")
    assert "4 puffar" in current and "Penicillin" not in current
    assert "Utkast till plan" in drafts
    assert (
        "<details>" in history and "Penicillin" in history and "Ersatt av en ny version" in history
    )


def test_overview_query_count_is_constant(
    client, nurse_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    make_order(nurse_a, student_a)
    make_plan(nurse_a, student_a)
    client.force_login(nurse_a)

    def grow():
        for n in range(4):
            order = make_order(nurse_a, student_a, medicine=f"Läkemedel {n}")
            services.order_revise(order=order, by=nurse_a, reason="Ny")
            make_plan(nurse_a, student_a, measure=f"Plan {n}")

    assert_constant_queries(
        client,
        reverse("journal:care-overview", args=[student_a.public_id]),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


def test_detail_query_count_is_constant(
    client, nurse_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    plan = make_plan(nurse_a, student_a)
    client.force_login(nurse_a)

    def grow():
        current = plan
        for n in range(3):
            revision = services.plan_revise(plan=current, by=nurse_a, reason=f"Omprövning {n}")
            current = services.plan_sign(plan=revision, by=nurse_a)

    assert_constant_queries(
        client,
        reverse("journal:plan-detail", args=[plan.public_id]),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# --- The per-school list -----------------------------------------------------------------------


def enrolled_student(school, **kwargs):
    student = StudentFactory(**kwargs)
    EnrolmentFactory(student=student, school=school)
    return student


def school_list_url(school) -> str:
    return reverse("journal:school-care-list", args=[school.pk])


def test_school_list_shows_students_with_current_orders_or_plans(
    client, nurse_a, school_a, school_a2, student_a
):
    with_plan = enrolled_student(school_a, given_name="Pia", family_name="Plansson")
    ended = enrolled_student(school_a, given_name="Erik", family_name="Slutsson")
    drafted = enrolled_student(school_a, given_name="Ulla", family_name="Utkastsson")
    elsewhere = enrolled_student(school_a2, given_name="Anna", family_name="Annanskola")
    make_order(nurse_a, student_a)
    make_plan(nurse_a, with_plan)
    make_order(nurse_a, ended, start_date=days(-30), end_date=days(-1))
    make_order(nurse_a, drafted, sign=False)
    AssignmentFactory(staff_member=nurse_a.staff_member, school=school_a2)
    make_order(nurse_a, elsewhere)
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    response = client.get(school_list_url(school_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Alva Exempelsson" in text and "Ventoline" in text
    assert "Pia Plansson" in text and "Blodsockerkontroll" in text
    for absent in ("Erik Slutsson", "Ulla Utkastsson", "Anna Annanskola"):
        assert absent not in text
    rows = AccessLogEntry.objects.order_by("pk")[before:]
    assert sorted(row.student_id for row in rows) == sorted([student_a.pk, with_plan.pk])
    assert {(row.action, row.school_id, row.reason) for row in rows} == {
        (AccessAction.LIST, school_a.pk, "care_relation")
    }


def test_school_list_query_count_is_constant(
    client, nurse_a, school_a, django_assert_max_num_queries, django_assert_num_queries
):
    for _ in range(3):
        make_order(nurse_a, enrolled_student(school_a))
    client.force_login(nurse_a)

    def grow():
        for n in range(17):
            student = enrolled_student(school_a)
            make_order(nurse_a, student)
            if n % 2:
                make_plan(nurse_a, student)

    assert_constant_queries(
        client,
        school_list_url(school_a),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )
    assert AccessLogEntry.objects.filter(action=AccessAction.LIST).count() == 3 + 3 + 20


def test_school_list_is_404_without_an_assignment_there(client, nurse_a2, nurse_b, school_a):
    for user in (nurse_a2, nurse_b):
        client.force_login(user)
        assert client.get(school_list_url(school_a)).status_code == 404


def test_school_list_shows_a_psychologist_no_medical_records(
    client, nurse_a, psychologist_a, school_a, student_a
):
    make_order(nurse_a, student_a)
    client.force_login(psychologist_a)
    response = client.get(school_list_url(school_a))
    assert response.status_code == 200
    assert "Alva Exempelsson" not in visible_text(response)


def test_school_page_links_to_the_list(client, nurse_a, school_a):
    client.force_login(nurse_a)
    response = client.get(reverse("schools:school-detail", args=[school_a.pk]))
    assert school_list_url(school_a) in response.content.decode()


# --- The start page's reminders ----------------------------------------------------------------


def home_text(client) -> str:
    return visible_text(client.get(reverse("home")))


def test_start_page_lists_plans_due_and_overdue(client, nurse_a, school_a, student_a):
    due = enrolled_student(school_a, given_name="Dora", family_name="Snart")
    overdue = enrolled_student(school_a, given_name="Olle", family_name="Sen")
    later = enrolled_student(school_a, given_name="Lisa", family_name="Senare")
    replaced = enrolled_student(school_a, given_name="Rut", family_name="Ersatt")
    make_plan(nurse_a, due, reassess_on=days(10), measure="Insulin före lunch")
    signed_plan_due(nurse_a, overdue, days(-3))
    make_plan(nurse_a, later, reassess_on=days(30))
    old = signed_plan_due(nurse_a, replaced, days(5))
    signed_plan_due(nurse_a, replaced, days(200), replaces=old)
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    text = home_text(client)
    assert "Egenvårdsplaner att ompröva" in text
    assert "Dora Snart" in text and "Insulin före lunch" in text and days(10).isoformat() in text
    assert "Olle Sen" in text and f"{days(-3).isoformat()} försenad" in text
    assert "Lisa Senare" not in text and "Rut Ersatt" not in text
    logged = AccessLogEntry.objects.order_by("pk")[before:]
    assert {row.student_id for row in logged} == {due.pk, overdue.pk}
    assert all(row.action == AccessAction.LIST for row in logged)
    # Overdue first.
    assert text.index("Olle Sen") < text.index("Dora Snart")


def test_start_page_reminders_only_at_the_users_schools(
    client, nurse_a, nurse_a2, school_a, student_a
):
    make_plan(nurse_a, student_a, reassess_on=days(3))
    client.force_login(nurse_a2)
    text = home_text(client)
    assert "Alva Exempelsson" not in text
    assert "Inga egenvårdsplaner vid dina skolor behöver omprövas" in text


def test_start_page_has_no_reminders_for_a_psychologist(client, nurse_a, psychologist_a, student_a):
    make_plan(nurse_a, student_a, reassess_on=days(3))
    client.force_login(psychologist_a)
    assert "Egenvårdsplaner att ompröva" not in home_text(client)


def test_start_page_query_count_is_constant(
    client, nurse_a, school_a, django_assert_max_num_queries, django_assert_num_queries
):
    make_plan(nurse_a, enrolled_student(school_a), reassess_on=days(5))
    client.force_login(nurse_a)

    def grow():
        for n in range(6):
            make_plan(nurse_a, enrolled_student(school_a), reassess_on=days(n + 1))

    assert_constant_queries(
        client, reverse("home"), grow, django_assert_max_num_queries, django_assert_num_queries
    )


def test_new_version_of_a_replaced_or_draft_record_is_not_started(client, nurse_a, student_a):
    old = make_plan(nurse_a, student_a)
    revision = services.plan_revise(plan=old, by=nurse_a, reason="Omprövning")
    services.plan_sign(plan=revision, by=nurse_a)
    draft = make_plan(nurse_a, student_a, sign=False)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:plan-revise", args=[old.public_id]), {"reason": "Igen"}, follow=True
    )
    assert "Det finns redan en nyare version" in visible_text(response)
    response = client.post(
        reverse("journal:plan-revise", args=[draft.public_id]), {"reason": "Igen"}
    )
    assert response.status_code == 302
    assert SelfCarePlan.objects.count() == 3


def test_scanned_instructions_upload_from_the_form(client, nurse_a, student_a):
    client.force_login(nurse_a)
    url = reverse("journal:order-new", args=[student_a.public_id])
    bad = SimpleUploadedFile("instruktion.pdf", b"not a scan", content_type="application/pdf")
    response = client.post(url, post_data(order_fields(), instructions_file=bad))
    assert response.status_code == 200
    assert "Filtypen kan inte bifogas" in visible_text(response)
    assert not MedicationOrder.objects.exists()
    scan = SimpleUploadedFile("instruktion.png", PNG, content_type="image/png")
    assert client.post(url, post_data(order_fields(), instructions_file=scan)).status_code == 302
    order = MedicationOrder.objects.get()
    assert order.instructions_file
    detail = client.get(reverse("journal:order-detail", args=[order.public_id]))
    assert "Inskannad instruktion bifogad." in visible_text(detail)
