"""Small helpers for the sign-in tests: a confirmed app for a user, the code it shows now, and
the password step."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from elevhalsa.auth.demo import current_code

PASSWORD = "demo-losen-123"
LOGIN = reverse("login")
SECOND_FACTOR = reverse("account:second-factor")
ENROL = reverse("account:enrol")
BACKUP_CODES = reverse("account:backup-codes")
ACCOUNT = reverse("account:detail")


def app_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=True)


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return current_code(device)


def sign_in_with_password(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def give_code(client, value, next_url=""):
    data = {"code": value}
    if next_url:
        data["next"] = next_url
    return client.post(SECOND_FACTOR, data)
