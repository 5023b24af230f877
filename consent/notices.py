"""E-mail notices to guardians about waiting consent requests.

A notice says only that something waits in the portal, with the portal's address: no names, no
health data, not even which kind of consent (an e-mail box is not a secure channel, and it may be
read by someone else in the household). Sent after the request is committed, one message per
address (a guardian of two children in one class gets one), each to one recipient only.
Requests that are paper-only (protected identity) send nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def portal_url() -> str:
    """The portal's start page: its URL name if the portal is installed, else
    ``settings.PORTAL_BASE_URL`` (default "/portal/"); absolute when ``settings.SITE_URL`` is
    set (e.g. "https://elevhalsa.kommun.se"), as a link in an e-mail must be."""
    try:
        path = reverse("portal:home")
    except NoReverseMatch:
        path = getattr(settings, "PORTAL_BASE_URL", "/portal/")
    site = getattr(settings, "SITE_URL", "")
    return urljoin(site, path) if site else path


def notice_message(address: str) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Ny förfrågan om samtycke")
        body = "\n\n".join(
            [
                _("Hej!"),
                _("Du har en ny förfrågan om samtycke i elevhälsans portal."),
                _("Logga in med e-legitimation för att läsa och svara: %(url)s")
                % {"url": portal_url()},
                _("Det här meddelandet går inte att svara på."),
            ]
        )
    return EmailMessage(subject=subject, body=body + "\n", to=[address])


def recipients(consents: Iterable) -> list[str]:
    """The guardian parties' addresses of the digital requests among ``consents`` (each with
    ``required_parties`` and their guardians loaded), once each."""
    addresses: dict[str, None] = {}
    for consent in consents:
        if consent.paper_only:
            continue
        for party in getattr(consent, "required_parties", ()):
            guardian = party.guardian
            if guardian is not None and guardian.email and not guardian.protected_identity:
                addresses.setdefault(guardian.email.strip().lower(), None)
    return list(addresses)


def send_notices(addresses: list[str]) -> int:
    """Send one notice per address; a mail failure is logged (without addresses) and never
    undoes the committed requests."""
    if not addresses:
        return 0
    try:
        with get_connection() as connection:
            return connection.send_messages([notice_message(a) for a in addresses]) or 0
    except Exception:  # the requests stand; staff see who has not answered on the class page
        logger.exception("Consent notices could not be sent (%d recipients).", len(addresses))
        return 0


def notify_on_commit(consents: Iterable) -> None:
    """Queue the notices for ``consents`` to go out once the transaction commits."""
    addresses = recipients(consents)
    if addresses:
        transaction.on_commit(lambda: send_notices(addresses))
