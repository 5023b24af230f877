"""Reading another care provider's records: the active choice, and which providers a consent
opens for the record page's notice.

The policy (``consent.policy.cross``) decides what the choice opens; these are the writes and
the annotations around it. ``journal`` tells which organisations hold records (consent asks
nothing of journal internals); this module only adds what consent knows about them.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Organisation, Student

from .models import ActiveChoice, Consent
from .policy import area_of
from .policy.cross import active_choice_window, active_choices, covers_q, in_force_q
from .policy.rules import _when

__all__ = ["make_active_choice", "providers_with_consent"]


def make_active_choice(*, user, student: Student, consent: Consent) -> ActiveChoice:
    """The user's explicit choice to read what ``consent`` opens, for the window. The caller
    has opened the student through the policy and logged the choice (``open_other_provider``);
    the consent is checked again here, as it may have been withdrawn meanwhile."""
    in_force = Consent.objects.filter(in_force_q(timezone.localdate()), pk=consent.pk)
    if consent.student_id != student.pk or not in_force.exists():
        raise ValidationError(
            _("Samtycket gäller inte längre. Uppgifterna kan inte öppnas."), code="consent"
        )
    choice = ActiveChoice(user=user, student=student, consent=consent)
    choice.full_clean()
    choice.save()
    return choice


def providers_with_consent(
    user, student: Student, organisations: QuerySet[Organisation]
) -> list[Organisation]:
    """``organisations`` (other care providers, given by the caller) with what a consent says
    about each for ``user`` and ``student``, in one query:

    * ``consent_id``: a granted consent in force that opens its records in the user's area,
      or None ("samtycke saknas");
    * ``chosen_until``: when the user's current active choice for it ends, or None.
    """
    w = _when(user)
    area = area_of(user)
    number = OuterRef("organisation_number")
    consents = Consent.objects.filter(in_force_q(w.on) & covers_q(number, area), student=student)
    choices = active_choices(w, student=student, organisation_number=number, area=area)
    rows = list(
        organisations.annotate(
            consent_id=Subquery(consents.order_by("-decided_at", "-pk").values("pk")[:1]),
            chosen_at=Subquery(
                choices.order_by("-chosen_at").values("chosen_at")[:1],
                output_field=DateTimeField(),
            ),
        ).order_by("name", "pk")
    )
    for row in rows:
        row.chosen_until = _until(row.chosen_at)
    return rows


def _until(chosen_at: datetime.datetime | None) -> datetime.datetime | None:
    return chosen_at + active_choice_window() if chosen_at is not None else None
