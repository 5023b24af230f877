"""Another care provider's records (DESIGN.md access rule 3, R-ACL-6).

Without consent the record page tells only *that* another provider holds entries
(``other_providers``: one existence query for all organisations, in the user's area); with a
granted consent the clinician makes an explicit, logged active choice (``active_choice``), and
the record filter then shows those entries for a while. What the choice opens is the policy's
(``consent.policy.cross``); this module only asks the journal which organisations hold entries.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.models import ConsentAnswer
from consent.policy import area_of
from consent.policy.cross import active_choice_window, open_other_provider
from consent.services_cross import make_active_choice, providers_with_consent
from schools.models import Organisation, Student

from ..forms_other_providers import ActiveChoiceForm
from ..models import JournalEntry


def other_providers(user, student: Student) -> list[Organisation]:
    """Other organisations holding entries about ``student`` in the user's area, each with
    ``consent_id`` and ``chosen_until`` (``providers_with_consent``); one query. Only their
    existence: no entry is read here. ``student`` comes from the policy (``student.access``)."""
    area = area_of(user)
    own = getattr(getattr(student, "access", None), "organisation_id", None)
    if area is None or own is None:
        return []
    entries = JournalEntry.objects.filter(student=student, area=area, organisation=OuterRef("pk"))
    holding = Organisation.objects.filter(Exists(entries)).exclude(pk=own)
    return providers_with_consent(user, student, holding)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def active_choice(request, public_id, organisation_id):
    """GET: what the choice opens and the consent it rests on, with a required confirmation.
    POST: the choice (logged as such), then back to the record, now with those entries."""
    form = ActiveChoiceForm(request.POST if request.method == "POST" else None)
    choosing = request.method == "POST" and form.is_valid()
    student, organisation, consent = open_other_provider(
        request, public_id, organisation_id, choosing=choosing
    )
    if consent is None:
        # No granted consent in force covers it (none, withdrawn, expired, another scope).
        return render(
            request,
            "journal/other_providers/refused.html",
            {"student": student, "organisation": organisation},
            status=403,
        )
    if choosing:
        try:
            make_active_choice(user=request.user, student=student, consent=consent)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            until = timezone.localtime() + active_choice_window()
            messages.success(
                request,
                _("Journaluppgifterna från %(name)s visas nu, till klockan %(time)s.")
                % {"name": organisation.name, "time": formats.time_format(until, "H:i")},
            )
            return redirect("journal:record", student.public_id)
    answers = (
        ConsentAnswer.objects.filter(party__consent=consent)
        .select_related("party__guardian", "answered_by")
        .order_by("at", "pk")
    )
    return render(
        request,
        "journal/other_providers/active_choice.html",
        {
            "student": student,
            "organisation": organisation,
            "consent": consent,
            "answers": answers,
            "form": form,
            "area": area_of(request.user),
            "window_minutes": int(active_choice_window().total_seconds() // 60),
        },
    )
