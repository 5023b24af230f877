"""Reset of the second factor by an admin, logged with a reason; sign-in events in the admin;
the events are append-only."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.dbroles import protected_tables
from elevhalsa.auth.devices import new_backup_codes
from elevhalsa.models import AuthEvent
from tests.conftest import VerifiedClient
from tests.schools.factories import UserFactory

from .auth_helpers import ENROL, app_for, sign_in_with_password

REASON = "Borttappad telefon, anmält per telefon 2026-11-23."


def reset_url(user):
    return reverse("admin:elevhalsa_user_second_factor_reset", args=[user.pk])


@pytest.fixture
def superuser(db):
    return UserFactory(username="drift", is_staff=True, is_superuser=True)


@pytest.fixture
def nurse_with_app(nurse_a):
    app_for(nurse_a)
    new_backup_codes(nurse_a)
    return nurse_a


def test_registry_admin_resets_a_colleagues_second_factor_with_a_reason(
    client, registry_admin_a, nurse_with_app, unverified_client
):
    nurse_browser = VerifiedClient()
    nurse_browser.force_login(nurse_with_app)
    client.force_login(registry_admin_a)
    change = client.get(reverse("admin:elevhalsa_user_change", args=[nurse_with_app.pk]))
    assert reset_url(nurse_with_app) in change.content.decode()

    response = client.post(reset_url(nurse_with_app), {"reason": REASON})
    assert response.status_code == 302

    assert not TOTPDevice.objects.filter(user=nurse_with_app).exists()
    assert not StaticDevice.objects.filter(user=nurse_with_app).exists()
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.SECOND_FACTOR_RESET)
    assert (event.user, event.actor, event.reason) == (nurse_with_app, registry_admin_a, REASON)
    # The nurse's sessions end, and the next sign-in enrols a new app.
    assert nurse_browser.get(reverse("home")).status_code == 302
    assert sign_in_with_password(unverified_client, "nurse_a").url.startswith(ENROL)


def test_reset_needs_a_written_reason(client, registry_admin_a, nurse_with_app):
    client.force_login(registry_admin_a)
    response = client.post(reset_url(nurse_with_app), {"reason": "  "})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=nurse_with_app).exists()
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.SECOND_FACTOR_RESET).exists()


def test_registry_admin_of_another_organisation_cannot_reset(
    client, registry_admin_b, nurse_with_app
):
    client.force_login(registry_admin_b)
    assert client.post(reset_url(nurse_with_app), {"reason": REASON}).status_code in {302, 404}
    assert TOTPDevice.objects.filter(user=nurse_with_app).exists()


def test_nobody_resets_their_own_or_a_superusers_second_factor(client, registry_admin_a, superuser):
    client.force_login(registry_admin_a)
    assert client.post(reset_url(registry_admin_a), {"reason": REASON}).status_code == 403
    assert client.post(reset_url(superuser), {"reason": REASON}).status_code in {403, 404}
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.SECOND_FACTOR_RESET).exists()


def test_staff_without_the_registry_admin_role_cannot_reset(client, nurse_a, nurse_with_app):
    other = UserFactory(is_staff=True)
    client.force_login(other)
    assert client.post(reset_url(nurse_with_app), {"reason": REASON}).status_code in {
        302,
        403,
        404,
    }
    assert TOTPDevice.objects.filter(user=nurse_with_app).exists()


def test_superuser_may_reset_anyone(client, superuser, nurse_with_app):
    client.force_login(superuser)
    assert client.post(reset_url(nurse_with_app), {"reason": REASON}).status_code == 302
    assert AuthEvent.objects.get(kind="second_factor_reset").actor == superuser


def test_auth_events_are_read_only_and_for_superusers(client, superuser, registry_admin_a):
    AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_OK, user=registry_admin_a)
    changelist = reverse("admin:elevhalsa_authevent_changelist")
    client.force_login(registry_admin_a)
    assert client.get(changelist).status_code == 403
    client.force_login(superuser)
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:elevhalsa_authevent_add")).status_code == 403


def test_device_admins_show_no_secret(client, superuser, nurse_with_app):
    client.force_login(superuser)
    device = TOTPDevice.objects.get(user=nurse_with_app, name="Autentiseringsapp")
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_auth_event_rows_are_append_only(nurse_a):
    event = AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_OK, user=nurse_a)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert AuthEvent._meta.db_table in protected_tables()


def test_even_the_owner_cannot_change_auth_events(postgres, nurse_a):
    AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN_OK, user=nurse_a)
    with connection.cursor() as cursor:
        for sql in (
            "UPDATE elevhalsa_authevent SET reason = 'x'",
            "DELETE FROM elevhalsa_authevent",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql)
    assert AuthEvent.objects.count() == 1


def test_the_admin_has_no_view_on_site_redirect(client, registry_admin_b, student_a):
    """It would map any student's primary key to her public id, outside the admin's scope."""
    from django.contrib.contenttypes.models import ContentType

    client.force_login(registry_admin_b)
    content_type = ContentType.objects.get_for_model(student_a)
    response = client.get(f"/admin/r/{content_type.pk}/{student_a.pk}/")
    assert response.status_code == 404
    assert str(student_a.public_id) not in response.get("Location", "")
