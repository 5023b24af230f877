"""The demo accounts' second factor: one published TOTP secret (README, "Demo logins")."""

from __future__ import annotations

import base64
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# Published: any authenticator app with this key gives the demo accounts' codes. Demo only.
DEMO_TOTP_SECRET = "ELEVHALSADEMOKEYNOTFORPRODUCTION"  # noqa: S105
DEMO_DEVICE_NAME = "Demo (publicerad nyckel)"


def demo_hex_key() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def give_demo_device(user) -> TOTPDevice:
    """A confirmed TOTP device with the published secret (unless the user has one already)."""
    device = TOTPDevice.objects.filter(user=user, key=demo_hex_key(), confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=DEMO_DEVICE_NAME, key=demo_hex_key(), confirmed=True
        )
    return device


def is_demo_device(device: TOTPDevice) -> bool:
    return device.key.lower() == demo_hex_key()


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows now for ``device``."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = at if at is not None else time.time()
    return f"{generator.token():0{device.digits}d}"
