"""The second-factor devices: one TOTP app per user, plus a set of one-time backup codes."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_DEVICE_NAME = "Autentiseringsapp"
BACKUP_DEVICE_NAME = "Reservkoder"


def has_confirmed_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device shown while enrolling; the same secret on every reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG data: URI (the CSP allows img-src data:, no inline style)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def confirm_enrolment(device: TOTPDevice) -> list[str]:
    """Confirm the TOTP device, drop other pending ones, and issue fresh backup codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return new_backup_codes(device.user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes; the old ones stop working. Shown once, never again."""
    static, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def remaining_backup_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def delete_all_devices(user) -> int:
    """Second-factor devices are credentials, not health records: a reset deletes them."""
    count = 0
    for model in (TOTPDevice, StaticDevice):
        deleted, _per_model = model.objects.filter(user=user).delete()
        count += deleted
    return count


def normalise_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").lower()


@dataclass(frozen=True)
class CodeCheck:
    device: object | None  # the device that accepted the code
    wait_seconds: int = 0  # > 0: throttled, nothing was checked


def _wait_seconds(device) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(int((data["locked_until"] - timezone.now()).total_seconds()) + 1, 1)


def check_code(user, raw: str, *, device=None) -> CodeCheck:
    """A six-digit code is checked against the user's app, anything else against the backup
    codes (or only against ``device``, while enrolling). django-otp throttles each device after
    a wrong code (1, 2, 4 … seconds); a throttled device checks nothing."""
    code = normalise_code(raw)
    if device is not None:
        candidates = [device]
    elif code.isdigit():
        candidates = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    else:
        candidates = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    for candidate in candidates:
        if wait := _wait_seconds(candidate):
            return CodeCheck(device=None, wait_seconds=wait)
    with transaction.atomic():
        for candidate in candidates:
            locked = type(candidate).objects.select_for_update().get(pk=candidate.pk)
            if locked.verify_token(code):
                return CodeCheck(device=locked)
    return CodeCheck(device=None)
