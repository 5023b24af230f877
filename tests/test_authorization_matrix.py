"""The authorization matrix (issue 3, point 7): every URL pattern × every role → the outcome.

``MATRIX`` maps each URL pattern of the project (walked from ``get_resolver()``, the admin's
patterns included) to one or more probes: how to build a concrete request (arguments, method,
data) and the expected outcome for each role of ``tests.matrix_world.ROLES``. A URL pattern that
is not in the matrix fails ``test_every_url_pattern_is_in_the_matrix``.

The outcomes are a small vocabulary:

* ``ok``      2xx, and the body names neither student_a's family name nor her identity number;
* ``shows``   2xx, and the body names student_a (the role may see her);
* ``login``   a redirect to the sign-in page (with ``next``);
* ``admin_login``  a redirect to the admin's login (with ``next``), which sends non-staff on;
* ``absent``  the admin's answer for an object outside the user's scope: a redirect to the admin
  index with a message (the object "does not exist");
* ``404``, ``403``, ``405``  that status;
* ``→name``   a redirect to the page with that URL name (after a successful action, or a step).

Every outcome but ``shows`` also asserts that neither the body nor the ``Location`` header names
student_a (family name "Matrixsdotter", identity number in any printed form): refusals leak
nothing, and neither do pages that are allowed but are not about her.

One test per URL pattern loops over the roles (the world is built once per test).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, reverse
from django.urls import resolve as url_resolve

from tests.conftest import VerifiedClient
from tests.consent.portal_fakes import sign_in_portal_user
from tests.matrix_world import (
    ANONYMOUS,
    CARE_HERE,
    CLINICIANS_A,
    DOCTOR,
    EMERGENCY,
    FAMILY_NAME,
    GUARDIAN_HERE,
    GUARDIAN_OTHER,
    LOG_REVIEWER,
    NURSE_ENDED,
    NURSE_HERE,
    NURSE_OTHER_ORG,
    NURSE_OTHER_SCHOOL,
    ORGANISATION_A_STAFF,
    PSYCHOLOGIST,
    READERS,
    RECORDS_OFFICER,
    REGISTRY_ADMIN,
    REGISTRY_ADMIN_OTHER,
    ROLES,
    STAFF_ROLES,
    World,
    add_alert_and_care_objects,
    add_block_objects,
    add_consent_objects,
    add_cross_organisation_objects,
    add_growth_objects,
    add_health_visit_objects,
    add_journal_entry_objects,
    add_journal_template_objects,
    add_log_review_objects,
    add_portal_objects,
    add_vaccination_dose_objects,
    add_vaccination_session_objects,
    add_vaccination_status_objects,
    build_world,
)

OK = "ok"
SHOWS = "shows"
LOGIN = "login"
ADMIN_LOGIN = "admin_login"
ABSENT = "absent"
NOT_FOUND = "404"
FORBIDDEN = "403"
NOT_ALLOWED = "405"
REFUSED_SHOWS = "400 shows"  # a refusal on a page about her, for a role that may read her record
# A guardian's portal session on any page outside the portal (consent.portal, the middleware):
# a GET is sent to the portal's start, anything else is 403. ``by`` gives it to both guardian
# roles unless a probe names them.
GUARDIAN_STAFF = "guardian on a staff page"
EXTERNAL = "external"  # a redirect off the site (to the e-ID broker)
GUARDIANS = (GUARDIAN_HERE, GUARDIAN_OTHER)
OUTCOMES = {
    OK,
    SHOWS,
    LOGIN,
    ADMIN_LOGIN,
    ABSENT,
    NOT_FOUND,
    FORBIDDEN,
    NOT_ALLOWED,
    REFUSED_SHOWS,
    GUARDIAN_STAFF,
    EXTERNAL,
}


def to(url_name: str) -> str:
    """A redirect to the page named ``url_name``."""
    return f"→{url_name}"


def by(default: str, cells: Mapping[str | tuple[str, ...], str] | None = None) -> dict:
    """One outcome per role: ``default``, except the roles (or tuples of roles) in ``cells``.
    The guardian roles get ``GUARDIAN_STAFF`` (a staff page) unless ``cells`` names them."""
    outcomes = dict.fromkeys(ROLES, default)
    outcomes.update(dict.fromkeys(GUARDIANS, GUARDIAN_STAFF))
    for roles, outcome in (cells or {}).items():
        for role in (roles,) if isinstance(roles, str) else roles:
            assert role in outcomes, f"unknown role {role}"
            outcomes[role] = outcome
    return outcomes


def admin_by(staff: Mapping[str, str]) -> dict:
    """An admin page: everyone without ``is_staff`` is sent to the admin's login."""
    assert set(staff) == set(STAFF_ROLES), staff
    return by(ADMIN_LOGIN, dict(staff))


@dataclass(frozen=True)
class Probe:
    expect: Mapping[str, str]
    method: str = "get"
    args: Callable[[World], Sequence | Mapping] = lambda w: ()
    data: Callable[[World], dict] | None = None
    url: Callable[[World], str] | None = None  # for patterns without a name
    note: str = ""

    def build_url(self, key: str, world: World) -> str:
        if self.url is not None:
            return self.url(world)
        args = self.args(world)
        if isinstance(args, Mapping):
            return reverse(key, kwargs=args)
        return reverse(key, args=list(args))


def pk(model_key: str) -> Callable[[World], list]:
    return lambda w: [w.objects[model_key].pk]


def student_id(w: World) -> list:
    return [w.student_a.public_id]


def identity_number(w: World) -> dict:
    """student_a's number as typed into a search: ÅÅMMDD-NNNN. A bound form shows the typed
    value back to its typist; the leak check looks for the full ÅÅÅÅMMDD forms a page prints."""
    return {"identity_number": w.short_identity_number}


# A search term that names student_a only if she is in the answer (the form echoes the term).
NAME_TERM = FAMILY_NAME[:8]


REASON = {"reason_text": "Akut: eleven har svimmat och behöver vård nu.", "confirmed": "True"}

# --- The project's own pages --------------------------------------------------------------------

SIGNED_IN = by(OK, {ANONYMOUS: LOGIN})

SITE: dict[str, tuple[Probe, ...]] = {
    # The nurse here has an unsigned note about student_a: her start page lists it.
    "home": (Probe(by(OK, {ANONYMOUS: LOGIN, NURSE_HERE: SHOWS})),),
    "login": (Probe(by(to("home"), {ANONYMOUS: OK})),),
    # Sign-out and the language switch are open to a guardian's portal session too.
    "logout": (
        Probe(by(to("login"), {GUARDIANS: to("login")}), method="post"),
        Probe(by(NOT_ALLOWED, {GUARDIANS: NOT_ALLOWED}), note="GET never logs out"),
    ),
    "account:detail": (Probe(SIGNED_IN),),
    # A verified session has nothing left to do at the sign-in steps: on to the start page.
    "account:second-factor": (Probe(by(to("home"), {ANONYMOUS: LOGIN})),),
    "account:enrol": (Probe(by(to("home"), {ANONYMOUS: LOGIN})),),
    "account:backup-codes": (Probe(by(to("account:detail"), {ANONYMOUS: LOGIN})),),
    "account:backup-codes-regenerate": (
        Probe(by(to("account:backup-codes"), {ANONYMOUS: LOGIN}), method="post"),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN})),
    ),
    "account:logout-everywhere": (
        Probe(by(to("login"), {ANONYMOUS: LOGIN}), method="post"),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN})),
    ),
    "set_language": (
        Probe(
            by(to("home"), {GUARDIANS: to("home")}),
            method="post",
            data=lambda w: {"language": "sv", "next": "/"},
        ),
    ),
    "schools:school-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, CARE_HERE: OK}), args=pk("schools_school")),
    ),
    "schools:class-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, CARE_HERE: SHOWS}), args=pk("schools_schoolclass")),
    ),
    "schools:student-search": (
        Probe(
            by(OK, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            data=lambda w: {"q": NAME_TERM},
            note="name search",
        ),
        Probe(
            by(OK, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            data=identity_number,
            note="identity-number search",
        ),
    ),
    # A registry admin sees the registry, never the record: the student page is 404 for her.
    "schools:student-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN}),
            args=lambda w: ["00000000-0000-4000-8000-000000000000"],
            note="a guessed id",
        ),
    ),
    "consent:student-lookup": (
        Probe(SIGNED_IN, note="the form"),
        Probe(
            by(OK, {ANONYMOUS: LOGIN, ORGANISATION_A_STAFF: SHOWS}),
            method="post",
            data=identity_number,
            note="a stub (name, birth year) for the own organisation's students only",
        ),
    ),
    "consent:emergency-start": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, CLINICIANS_A: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, CLINICIANS_A: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: {"reason_text": REASON["reason_text"]},
            note="step 1 → the confirmation page",
        ),
    ),
    "consent:emergency-confirm": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, CLINICIANS_A: to("schools:student-detail")}),
            method="post",
            args=student_id,
            data=lambda w: REASON,
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=student_id),
    ),
    "consent:records-officer-start": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, RECORDS_OFFICER: SHOWS}), args=student_id),
    ),
    "consent:records-officer-confirm": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, RECORDS_OFFICER: to("schools:student-detail")}),
            method="post",
            args=student_id,
            data=lambda w: REASON,
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=student_id),
    ),
}

# --- The journal ----------------------------------------------------------------------------------

# The EMI record of student_a: her care relation's nurse and doctor, and the nurse on emergency
# access. The psychologist (EPI) sees that the student exists, not the medical entries.
EMI_READERS = (NURSE_HERE, DOCTOR, EMERGENCY)
NOT_HERE = by(NOT_FOUND, {ANONYMOUS: LOGIN})


def entry(key: str) -> Callable[[World], list]:
    return lambda w: [w.objects[key].public_id]


SIGNED, DRAFT = entry("journal_entry_signed"), entry("journal_entry_draft")
PRINT_REASON = {"reason": "Begäran om journalkopia från vårdnadshavare."}


def start_entry(w: World) -> dict:
    from tests.journal.factories import published

    return {
        "template_version": published().pk,
        "contact_type": "visit",
        "contact_at": "2026-01-15T10:00",
    }


JOURNAL: dict[str, tuple[Probe, ...]] = {
    "journal:record": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            NOT_HERE,
            args=lambda w: ["00000000-0000-4000-8000-000000000000"],
            note="a guessed id",
        ),
    ),
    "journal:entry-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(
                NOT_FOUND,
                {ANONYMOUS: LOGIN, EMI_READERS: to("journal:entry-edit"), PSYCHOLOGIST: SHOWS},
            ),
            method="post",
            args=student_id,
            data=start_entry,
            note="an EMI template: the psychologist gets the form back with an error",
        ),
    ),
    "journal:record-copy": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: PRINT_REASON,
            note="the PDF names her",
        ),
    ),
    "journal:entry-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=SIGNED),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}),
            args=DRAFT,
            note="a colleague's draft: read-only, osignerad",
        ),
    ),
    "journal:entry-history": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=SIGNED),
    ),
    "journal:entry-edit": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, NURSE_HERE: SHOWS, (DOCTOR, EMERGENCY): FORBIDDEN}),
            args=DRAFT,
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: FORBIDDEN}),
            method="post",
            args=SIGNED,
            data=lambda w: {
                "action": "save",
                "kw-anamnes": "Ändrad i efterhand",
                "lock_version": 9,
            },
            note="a crafted POST to a signed entry",
        ),
    ),
    "journal:entry-sign": (
        Probe(
            by(
                NOT_FOUND,
                {
                    ANONYMOUS: LOGIN,
                    NURSE_HERE: to("journal:entry-detail"),
                    (DOCTOR, EMERGENCY): FORBIDDEN,
                },
            ),
            method="post",
            args=DRAFT,
            data=lambda w: {"lock_version": w.objects["journal_entry_draft"].lock_version},
            note="only the author signs",
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=DRAFT),
    ),
    "journal:entry-correct": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=SIGNED),
        Probe(
            by(
                NOT_FOUND,
                {
                    ANONYMOUS: LOGIN,
                    NURSE_HERE: to("journal:entry-edit"),
                    (DOCTOR, EMERGENCY): REFUSED_SHOWS,
                },
            ),
            method="post",
            args=SIGNED,
            data=lambda w: {"reason": "Fel längd angavs."},
            note="the nurse starts the correction; then it is hers until signed",
        ),
    ),
    "journal:entry-mark": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: to("journal:entry-detail")}),
            method="post",
            args=SIGNED,
            data=lambda w: {"kind": "disputed", "active": "1", "reason": "Eleven bestrider."},
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=SIGNED),
    ),
    "journal:attachment-add": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, NURSE_HERE: SHOWS, (DOCTOR, EMERGENCY): FORBIDDEN}),
            args=DRAFT,
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: FORBIDDEN}),
            args=SIGNED,
            note="nothing is attached to a signed entry",
        ),
    ),
    "journal:attachment-download": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: OK}),
            args=lambda w: [w.objects["journal_attachment"].public_id],
        ),
    ),
    "journal:entry-print": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=SIGNED),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}),
            method="post",
            args=SIGNED,
            data=lambda w: PRINT_REASON,
            note="the PDF names her",
        ),
    ),
    "journal:my-drafts": (Probe(by(OK, {ANONYMOUS: LOGIN, NURSE_HERE: SHOWS})),),
}

# Issue 9. Alerts cross the EMI/EPI wall: everyone reading the record reads (and may add) them.
ALERT = entry("journal_alert")
ORDER, ORDER_DRAFT, PLAN = (
    entry("journal_order_signed"),
    entry("journal_order_draft"),
    entry("journal_plan"),
)
REASON_TEXT = {"reason": "Ny dos från barnkliniken."}


def allergy(w: World) -> dict:
    return {"kind": "allergy", "substance": "Nötter", "reaction": "Nässelutslag", "severity": ""}


CARE: dict[str, tuple[Probe, ...]] = {
    "journal:alert-list": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
    ),
    "journal:alert-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: to("journal:alert-list")}),
            method="post",
            args=student_id,
            data=allergy,
        ),
    ),
    "journal:alert-edit": (Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=ALERT),),
    "journal:alert-inactivate": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: to("journal:alert-list")}),
            method="post",
            args=ALERT,
            data=lambda w: {"reason": "Utredd: ingen allergi."},
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=ALERT),
    ),
    "journal:care-overview": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
    ),
    "journal:order-new": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS, PSYCHOLOGIST: FORBIDDEN}),
            args=student_id,
        ),
    ),
    "journal:order-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=ORDER),
    ),
    "journal:order-edit": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, NURSE_HERE: SHOWS, (DOCTOR, EMERGENCY): FORBIDDEN}),
            args=ORDER_DRAFT,
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: FORBIDDEN}),
            method="post",
            args=ORDER,
            data=lambda w: {"dose": "Dubbel dos"},
            note="a crafted POST to a signed order",
        ),
    ),
    "journal:order-sign": (
        Probe(
            by(
                NOT_FOUND,
                {
                    ANONYMOUS: LOGIN,
                    NURSE_HERE: to("journal:order-detail"),
                    (DOCTOR, EMERGENCY): FORBIDDEN,
                },
            ),
            method="post",
            args=ORDER_DRAFT,
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=ORDER_DRAFT),
    ),
    "journal:order-revise": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=ORDER),
        Probe(
            by(
                NOT_FOUND,
                {
                    ANONYMOUS: LOGIN,
                    NURSE_HERE: to("journal:order-edit"),
                    (DOCTOR, EMERGENCY): to("journal:order-detail"),
                },
            ),
            method="post",
            args=ORDER,
            data=lambda w: REASON_TEXT,
            note="the nurse opens the new version; it is hers until signed",
        ),
    ),
    "journal:plan-new": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS, PSYCHOLOGIST: FORBIDDEN}),
            args=student_id,
        ),
    ),
    "journal:plan-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=PLAN),
    ),
    "journal:plan-edit": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: FORBIDDEN}),
            args=PLAN,
            note="a signed plan is never edited",
        ),
    ),
    "journal:plan-sign": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: FORBIDDEN}),
            method="post",
            args=PLAN,
            note="already signed",
        ),
    ),
    "journal:plan-revise": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=PLAN),
    ),
    "journal:school-care-list": (
        Probe(
            by(
                NOT_FOUND,
                {ANONYMOUS: LOGIN, (NURSE_HERE, DOCTOR): SHOWS, PSYCHOLOGIST: OK},
            ),
            args=pk("schools_school"),
            note="the psychologist sees the list, with no EMI orders or plans",
        ),
    ),
}

# Issue 6. Health visits are EMI: the school's nurse and doctor plan and print them.
VISIT = pk("journal_healthvisit")
CATCH_UP = lambda w: [  # noqa: E731
    w.student_a.public_id,
    w.objects["journal_programmepoint_catch_up"].pk,
]
SCHOOL_EMI = (NURSE_HERE, DOCTOR)

VISITS: dict[str, tuple[Probe, ...]] = {
    "journal:class-worklist": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}), args=pk("schools_schoolclass")),
    ),
    "journal:visit-update": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=VISIT),
    ),
    "journal:student-visits": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            args=student_id,
            note="the psychologist sees the page, without EMI visit data",
        ),
    ),
    "journal:visit-letter": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=VISIT),
    ),
    "journal:visit-catch-up": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=CATCH_UP),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}),
            method="post",
            args=CATCH_UP,
            data=lambda w: {"status": "planned"},
            note="no date: the form shows the error and saves nothing",
        ),
    ),
    "journal:class-letters": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: OK}), args=pk("schools_schoolclass")),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}),
            method="post",
            args=pk("schools_schoolclass"),
            note="the letters (PDF)",
        ),
    ),
}

# Issue 5. Consents: staff request, record and follow answers (consent.views_consents). Consents
# are not journal content: everyone reading student_a's record (EMI or EPI, emergency access)
# reads and writes them; the class page is for the class's school (its care staff).
_consent_codes = itertools.count(1)


def consent_of(key: str) -> Callable[[World], list]:
    return lambda w: [w.objects[key].public_id]


def consent_party(w: World) -> list:
    return [w.objects["consent_pending"].public_id, w.objects["consent_party"].pk]


def consent_scan(w: World) -> list:
    return [w.objects["consent_scanned"].public_id, w.objects["consent_scanned_answer"].pk]


def new_consent(w: World) -> dict:
    """A request of its own scope each time, so every writer's POST makes one."""
    return {
        "kind": "vaccination",
        "scope_code": f"M{next(_consent_codes)}",
        "valid_from": "2026-08-20",
    }


CONSENT_LIST = to("consent:consent-list")

CONSENTS: dict[str, tuple[Probe, ...]] = {
    "consent:consent-list": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
    ),
    "consent:consent-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: CONSENT_LIST}),
            method="post",
            args=student_id,
            data=new_consent,
        ),
    ),
    "consent:answer-record": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=consent_party),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            args=consent_party,
            data=lambda w: {"answer": "agree", "channel": "oral"},
            note="oral without a note: the form again, nothing saved",
        ),
    ),
    "consent:answer-scan": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: OK}), args=consent_scan),
    ),
    "consent:maturity-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: {"kind": "bhv_record", "reason": ""},
            note="no reason: the form again",
        ),
    ),
    "consent:maturity-end": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: CONSENT_LIST}),
            method="post",
            args=pk("consent_maturity"),
            note="ended by the first, a message for the others",
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=pk("consent_maturity")),
    ),
    "consent:mandate-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: {"kind": "bhv_record", "basis": ""},
            note="no god man chosen, no basis: the form again",
        ),
    ),
    "consent:mandate-end": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: CONSENT_LIST}),
            method="post",
            args=pk("consent_mandate"),
            note="ended by the first, a message for the others",
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=pk("consent_mandate")),
    ),
    "consent:class-consents": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, CARE_HERE: SHOWS}), args=pk("schools_schoolclass")),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, CARE_HERE: to("consent:class-consents")}),
            method="post",
            args=pk("schools_schoolclass"),
            data=new_consent,
            note="a request for the whole class",
        ),
    ),
}


def everyone(outcome: str) -> dict:
    """The same outcome for every role, the guardian roles included."""
    return by(outcome, {GUARDIANS: outcome})


# Issue 5. The guardian portal and sign-in (consent.portal); guardian roles matter here.
# The sign-in steps are open to everyone; a portal session is sent on from the sign-in page.
PORTAL_SIGN_IN: dict[str, tuple[Probe, ...]] = {
    "portal:login": (Probe(by(OK, {GUARDIANS: to("portal:home")})),),
    "portal:logout": (
        Probe(everyone(to("portal:login")), method="post"),
        Probe(everyone(NOT_ALLOWED), note="GET never signs out"),
    ),
    # To the e-ID broker (the test settings' fake endpoints); the callback without a code and
    # a state this session started is refused.
    "portal:oidc-authenticate": (Probe(everyone(EXTERNAL)),),
    "portal:oidc-callback": (Probe(everyone(FORBIDDEN), note="no code, no state"),),
    # The demo e-ID (on in the test settings): names of guardians, and sign-in as one of them.
    "portal:demo-eid": (
        Probe(everyone(OK)),
        Probe(
            everyone(to("portal:home")),
            method="post",
            data=lambda w: {"guardian": w.objects["schools_guardian"].pk},
            note="sign in as student_a's guardian",
        ),
    ),
}
# The guardian's pages (consent.portal.views): only a portal session opens them, and only for
# her own children (student_a is GUARDIAN_HERE's child). Staff and anonymous go to the portal's
# sign-in (a POST from them is refused). Beside them, the staff pages about the guardians' rights
# and a clinician's decisions (consent.views_guardian_access): a guardian cannot block.
GUESSED = "00000000-0000-4000-8000-000000000000"


def portal_consent(w: World) -> list:
    return [w.student_a.public_id, w.objects["consent_pending"].public_id]


def decision_of(w: World) -> list:
    return [w.student_a.public_id, w.objects["consent_guardianaccessdecision"].pk]


def block_decision(w: World) -> dict:
    relation = w.objects["schools_guardian"].relations.get(student=w.student_a)
    return {"relation": relation.pk, "kind": "block", "reason": "Betydande men för eleven."}


WRITERS_A = (*CARE_HERE, EMERGENCY)  # the policy's WRITE on student_a
PORTAL: dict[str, tuple[Probe, ...]] = {
    "portal:home": (Probe(by(to("portal:login"), {GUARDIAN_HERE: SHOWS, GUARDIAN_OTHER: OK})),),
    "portal:child": (
        Probe(
            by(to("portal:login"), {GUARDIAN_HERE: SHOWS, GUARDIAN_OTHER: NOT_FOUND}),
            args=student_id,
        ),
        Probe(
            by(to("portal:login"), {GUARDIANS: NOT_FOUND}),
            args=lambda w: [GUESSED],
            note="a guessed id",
        ),
    ),
    "portal:consent": (
        Probe(
            by(to("portal:login"), {GUARDIAN_HERE: SHOWS, GUARDIAN_OTHER: NOT_FOUND}),
            args=portal_consent,
        ),
        Probe(
            by(FORBIDDEN, {GUARDIAN_HERE: to("portal:consent"), GUARDIAN_OTHER: NOT_FOUND}),
            method="post",
            args=portal_consent,
            data=lambda w: {"answer": "agree"},
            note="her guardian agrees (the only party)",
        ),
    ),
    "consent:guardian-access": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
    ),
    "consent:guardian-access-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, WRITERS_A: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, WRITERS_A: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: {**block_decision(w), "kind": "extend"},
            note="an extension without a date: the form again",
        ),
        Probe(
            by(
                NOT_FOUND,
                {
                    ANONYMOUS: LOGIN,
                    NURSE_HERE: to("consent:guardian-access"),
                    (PSYCHOLOGIST, DOCTOR, EMERGENCY): SHOWS,
                },
            ),
            method="post",
            args=student_id,
            data=block_decision,
            note="the first records the block; the others are told one is in force",
        ),
    ),
    "consent:guardian-access-end": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, WRITERS_A: SHOWS}), args=decision_of),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, WRITERS_A: to("consent:guardian-access")}),
            method="post",
            args=decision_of,
            data=lambda w: {"end_reason": "Överenskommelsen gäller inte längre."},
            note="ended by the first, a message for the others",
        ),
    ),
}

# Issue 5. Another care provider's records: consent plus an active choice (consent.policy).


def other_provider(w: World) -> list:
    """student_a and organisation B, whose EMI entry a consent opens (not for EPI)."""
    return [w.student_a.public_id, w.org_b.pk]


# The EMI readers of student_a may choose; the psychologist (EPI) has no covering consent: 403
# on a page that does not name her. Everyone without a reason to read her: 404.
EMI_READERS = (NURSE_HERE, DOCTOR, EMERGENCY)
CROSS_ORGANISATION: dict[str, tuple[Probe, ...]] = {
    "journal:active-choice": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS, PSYCHOLOGIST: FORBIDDEN}),
            args=other_provider,
        ),
        Probe(
            by(
                NOT_FOUND,
                {ANONYMOUS: LOGIN, EMI_READERS: to("journal:record"), PSYCHOLOGIST: FORBIDDEN},
            ),
            method="post",
            args=other_provider,
            data=lambda w: {"confirmed": "on"},
            note="confirmed",
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS, PSYCHOLOGIST: FORBIDDEN}),
            method="post",
            args=other_provider,
            data=lambda w: {},
            note="not confirmed: the form again",
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN}),
            args=lambda w: [w.student_a.public_id, w.org_a.pk],
            note="the own organisation",
        ),
    ),
}

# Issue 7. Growth: measurements, charts, class entry (journal.views.growth).
MEASUREMENT = entry("journal_growthmeasurement")
GROWTH_EMI = {ANONYMOUS: LOGIN, EMI_READERS: SHOWS, PSYCHOLOGIST: FORBIDDEN}
A_MEASUREMENT = {"measured_on": "2020-01-01", "height_cm": "120,5", "context": "health_visit"}


def class_day(w: World) -> dict:
    """A class entry for the day after tomorrow: refused as a whole, nothing saved."""
    return {"measured_on": _later(2), "context": "health_visit"}


def _later(days: int) -> str:
    import datetime

    from django.utils import timezone

    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


GROWTH: dict[str, tuple[Probe, ...]] = {
    "journal:growth": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            args=student_id,
            note="the psychologist sees the page, without growth data",
        ),
    ),
    "journal:growth-new": (
        Probe(by(NOT_FOUND, GROWTH_EMI), args=student_id),
        Probe(
            by(NOT_FOUND, {**GROWTH_EMI, EMI_READERS: to("journal:growth")}),
            method="post",
            args=student_id,
            data=lambda w: A_MEASUREMENT,
            note="an earlier measurement (age 4: no reference value)",
        ),
    ),
    "journal:growth-parents": (
        Probe(by(NOT_FOUND, GROWTH_EMI), args=student_id),
        Probe(
            by(NOT_FOUND, GROWTH_EMI),
            method="post",
            args=student_id,
            data=lambda w: {"mother_cm": "", "father_cm": ""},
            note="nothing given: the form shows the error",
        ),
    ),
    "journal:growth-share": (
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=student_id),
        Probe(
            by(NOT_FOUND, GROWTH_EMI),
            method="post",
            args=student_id,
            data=lambda w: {"shared": "0", "reason": ""},
            note="not shared: nothing to withdraw, the page says so",
        ),
    ),
    "journal:growth-correct": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=MEASUREMENT),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}),
            method="post",
            args=MEASUREMENT,
            data=lambda w: {"measured_on": _later(-30), "height_cm": "141", "reason": ""},
            note="no reason: the form shows the error",
        ),
    ),
    "journal:class-growth": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}), args=pk("schools_schoolclass")),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}),
            method="post",
            args=pk("schools_schoolclass"),
            data=class_day,
            note="a date in the future: nothing saved",
        ),
    ),
}

# Issue 8. Class vaccination sessions (journal.views.vaccination_sessions): EMI work of the
# class's school; the session page shows each student's consent and doses.
SESSION = lambda w: [w.objects["journal_vaccinationsession"].public_id]  # noqa: E731
SESSION_RUN = {ANONYMOUS: LOGIN, SCHOOL_EMI: to("journal:vaccination-session")}


def plan_session(w: World) -> dict:
    ordination = w.objects["session_ordination"]
    return {
        "vaccine": ordination.vaccine_id,
        "ordination": ordination.pk,
        "planned_on": _later(1),
    }


VACCINATION_SESSIONS: dict[str, tuple[Probe, ...]] = {
    "journal:vaccination-session-list": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: OK}), args=pk("schools_schoolclass")),
    ),
    "journal:vaccination-session-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: OK}), args=pk("schools_schoolclass")),
        Probe(
            by(NOT_FOUND, SESSION_RUN),
            method="post",
            args=pk("schools_schoolclass"),
            data=plan_session,
            note="planned for tomorrow under the signed general ordination",
        ),
    ),
    "journal:vaccination-session": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}), args=SESSION),
        Probe(
            by(NOT_FOUND, SESSION_RUN),
            method="post",
            args=SESSION,
            data=lambda w: {"student": str(w.student_a.public_id), "outcome": "absent"},
            note="absent: a mark in the web session only (WRITE on student_a)",
        ),
    ),
    "journal:vaccination-session-consents": (
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=SESSION),
        Probe(
            by(NOT_FOUND, SESSION_RUN),
            method="post",
            args=SESSION,
            note="HPV consent requests for the class in one act",
        ),
    ),
}

# Issue 8 (doses). Ordinations (journal.views.vaccinations): the organisation's EMI staff (nurses,
# doctors) read and draft them; only a doctor (or a nurse with the permission) signs. A dose, a
# refusal, a documented dose and a correction are EMI writes on student_a (the policy's WRITE,
# then an EMI profession: the psychologist is refused after the policy). The register worklist
# is the organisation's EMI staff's; it lists the reports of the students they may see.
EMI_STAFF = (NURSE_HERE, NURSE_OTHER_SCHOOL, NURSE_ENDED, NURSE_OTHER_ORG, DOCTOR, EMERGENCY)
EMI_STAFF_A = (NURSE_HERE, NURSE_OTHER_SCHOOL, NURSE_ENDED, DOCTOR, EMERGENCY)
ORDINATION = entry("vaccination_ordination")
ORDINATION_DRAFT = entry("vaccination_ordination_draft")
DOSE = entry("journal_vaccination")
REPORT = pk("journal_registerreport")
WORKLIST = to("journal:register-worklist")
# The organisation's EMI staff pass; nobody else (403), the other organisation's nurse 404.
ORGANISATION_EMI = by(FORBIDDEN, {ANONYMOUS: LOGIN, EMI_STAFF_A: OK, NURSE_OTHER_ORG: NOT_FOUND})
# Reports: those who may write student_a's record act; other EMI staff do not find it.
REPORT_ACTION = by(
    FORBIDDEN,
    {
        ANONYMOUS: LOGIN,
        EMI_READERS: WORKLIST,
        (NURSE_OTHER_SCHOOL, NURSE_ENDED, NURSE_OTHER_ORG): NOT_FOUND,
    },
)


def general_ordination(w: World) -> dict:
    from journal.models import Vaccine

    return {
        "kind": "general",
        "vaccine": Vaccine.objects.get(name="Gardasil 9").pk,
        "strength": "0,5 ml",
        "dose": "0,5 ml",
        "route": "intramuskulärt",
        "schools": [w.school_a.pk],
        "grade_from": 5,
        "grade_to": 5,
        "valid_from": _later(10),
        "valid_until": _later(100),
    }


def refusal(w: World) -> dict:
    return {
        "outcome": "declined",
        "series": "MPR",
        "given_at": f"{_later(0)}T00:00",
        "reason": "Vårdnadshavarna avböjer.",
    }


def documented_dose(w: World) -> dict:
    import datetime

    from journal.models import Vaccine

    return {
        "source": "bhv",
        "series": "MPR",
        "vaccine": Vaccine.objects.get(name="Priorix").pk,
        "dose_number": 1,
        "given_on": (w.student_a.birth_date + datetime.timedelta(days=550)).isoformat(),
        "lot_number": "BVC-123",
        "source_documentation": "BVC-journal, utdrag",
    }


VACCINATION_DOSES: dict[str, tuple[Probe, ...]] = {
    "journal:ordination-list": (
        Probe(by(FORBIDDEN, {ANONYMOUS: LOGIN, EMI_STAFF: OK}), note="general ordinations only"),
    ),
    "journal:ordination-new": (
        Probe(by(FORBIDDEN, {ANONYMOUS: LOGIN, EMI_STAFF: OK})),
        Probe(
            by(
                FORBIDDEN,
                {
                    ANONYMOUS: LOGIN,
                    EMI_STAFF_A: to("journal:ordination-detail"),
                    NURSE_OTHER_ORG: OK,
                },
            ),
            method="post",
            data=general_ordination,
            note="a draft; school A is not the other organisation's to choose: the form again",
        ),
    ),
    "journal:ordination-detail": (
        Probe(ORGANISATION_EMI, args=ORDINATION),
        Probe(ORGANISATION_EMI, args=ORDINATION_DRAFT, note="a draft"),
    ),
    "journal:ordination-sign": (
        Probe(
            by(
                FORBIDDEN,
                {
                    ANONYMOUS: LOGIN,
                    EMI_STAFF_A: to("journal:ordination-detail"),
                    NURSE_OTHER_ORG: NOT_FOUND,
                },
            ),
            method="post",
            args=ORDINATION_DRAFT,
            note="the doctor signs; a nurse without the permission is told so on the page",
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=ORDINATION_DRAFT),
    ),
    "journal:vaccination-new": (
        Probe(by(NOT_FOUND, GROWTH_EMI), args=student_id),
        Probe(
            by(NOT_FOUND, {**GROWTH_EMI, EMI_READERS: to("journal:vaccination-detail")}),
            method="post",
            args=student_id,
            data=refusal,
            note="a refusal, signed at once",
        ),
    ),
    "journal:vaccination-document": (
        Probe(by(NOT_FOUND, GROWTH_EMI), args=student_id),
        Probe(
            by(
                NOT_FOUND,
                {
                    **GROWTH_EMI,
                    NURSE_HERE: to("journal:vaccination-detail"),
                    (DOCTOR, EMERGENCY): SHOWS,
                },
            ),
            method="post",
            args=student_id,
            data=documented_dose,
            note="the first documents MPR dose 1 from BVC; the others are told it is there",
        ),
    ),
    "journal:vaccination-detail": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=DOSE),
    ),
    "journal:vaccination-correct": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}), args=DOSE),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMI_READERS: SHOWS}),
            method="post",
            args=DOSE,
            data=lambda w: {**refusal(w), "outcome": "given", "change_reason": ""},
            note="no reason for the correction: the form again, nothing saved",
        ),
    ),
    "journal:register-worklist": (
        Probe(
            by(
                FORBIDDEN,
                {ANONYMOUS: LOGIN, EMI_STAFF: OK, EMI_READERS: SHOWS},
            ),
            note="student_a's pending report (her identity number: the register's form)",
        ),
    ),
    "journal:register-mark-sent": (
        Probe(REPORT_ACTION, method="post", args=REPORT, note="sent by the register's web form"),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=REPORT),
    ),
    "journal:register-acknowledge": (
        Probe(
            REPORT_ACTION,
            method="post",
            args=REPORT,
            data=lambda w: {"receipt": "Mottagen av registret."},
        ),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=REPORT),
    ),
    "journal:register-requeue": (
        Probe(REPORT_ACTION, method="post", args=REPORT, note="not in error: told so"),
        Probe(by(NOT_ALLOWED, {ANONYMOUS: LOGIN}), args=REPORT),
    ),
}

# --- The admin ------------------------------------------------------------------------------------

RA, RB, LR = REGISTRY_ADMIN, REGISTRY_ADMIN_OTHER, LOG_REVIEWER


# Issue 8 (status). Vaccination status (journal.views.vaccination_status): the student's page
# shows status to everyone reading her record (it crosses the EMI/EPI wall), dose details to EMI;
# the class and school lists are the school's EMI worklists. student_a (åk 4) lacks MPR dose 2.
VACCINATION_STATUS: dict[str, tuple[Probe, ...]] = {
    "journal:student-vaccinations": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            args=student_id,
            note="the psychologist sees the status, without dose details",
        ),
    ),
    "journal:class-vaccinations": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}), args=pk("schools_schoolclass")),
    ),
    "journal:school-vaccinations": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}), args=lambda w: [w.school_a.pk]),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, SCHOOL_EMI: SHOWS}),
            args=lambda w: [w.school_a.pk],
            data=lambda w: {"format": "csv", "visa": "ikapp"},
            note="the catch-up list as CSV",
        ),
    ),
}


def product_pages() -> dict:
    """Installation-wide product data (journal.admin_vaccination: vaccines, lots): every
    registry admin views, adds and changes it; nobody deletes; the log reviewer holds no role."""
    edit = {RA: OK, RB: OK, LR: FORBIDDEN}
    return {
        "changelist": edit,
        "add": edit,
        "change": edit,
        "history": edit,
        "simple_history": edit,
        "delete": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
    }


@dataclass(frozen=True)
class AdminModel:
    """One admin model, its object of organisation A (``World.objects[key]``) and what each
    staff role gets on each of its pages (suffix → {role: outcome})."""

    app_label: str
    model_name: str
    pages: Mapping[str, Mapping[str, str]]
    extra: Mapping[str, tuple[Probe, ...]] = field(default_factory=dict)  # custom URLs

    @property
    def key(self) -> str:
        return f"{self.app_label}_{self.model_name}"


def registry_pages(
    *,
    list_: str = OK,
    page: str = OK,
    history: str | None = None,
    version: str | None = None,
    add: str = OK,
) -> dict:
    """A registry model (``schools.admin_base.OrganisationScopedAdmin``): the registry admin of
    A works with A's object (``list_``/``page``: whether its pages name student_a), B's does not
    find it, the log reviewer holds no registry permission. Nobody deletes. ``history`` and
    ``version``: whether the history list and one historical version name student_a (without
    the change page's inlines; default as ``page``)."""
    return {
        "changelist": {RA: list_, RB: OK, LR: FORBIDDEN},
        "add": {RA: add, RB: add, LR: FORBIDDEN},
        "change": {RA: page, RB: ABSENT, LR: FORBIDDEN},
        "history": {RA: history or page, RB: NOT_FOUND, LR: FORBIDDEN},
        "simple_history": {RA: version or page, RB: NOT_FOUND, LR: FORBIDDEN},
        "delete": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
    }


def closed_pages(*suffixes_ok_for_reviewer: str, reviewer: Mapping[str, str] | None = None):
    """A model no registry admin may see (jobs, sign-in events, devices, groups, the log)."""
    pages = {
        suffix: {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN}
        for suffix in ("changelist", "add", "change", "history", "delete")
    }
    for suffix, outcome in (reviewer or {}).items():
        pages[suffix] = {**pages[suffix], LR: outcome}
    return pages


def report_pages() -> dict:
    """Rows the registry import writes (runs, their items, proposed assignments): the registry
    admin of A views A's, B's does not find them, nobody adds, changes or deletes them here."""
    return {
        "changelist": {RA: OK, RB: OK, LR: FORBIDDEN},
        "add": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
        "change": {RA: OK, RB: ABSENT, LR: FORBIDDEN},
        "history": {RA: OK, RB: ABSENT, LR: FORBIDDEN},
        "delete": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
    }


def code_list_pages(*, simple_history: bool = False) -> dict:
    """Code lists (journal.admin_codes): installation-wide reference data, not an
    organisation's. Every organisation's registry admin views them; nobody adds, changes or
    deletes them here; the log reviewer holds no registry role."""
    view = {RA: OK, RB: OK, LR: FORBIDDEN}
    refused = {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN}
    pages = {
        "changelist": view,
        "add": refused,
        "change": view,
        "history": view,
        "delete": refused,
    }
    if simple_history:
        pages["simple_history"] = view
    return pages


def activate_code_list_version(w: World) -> dict:
    return {"action": "activate", "_selected_action": [w.objects["journal_codelistversion"].pk]}


def registry_csv_upload(w: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "skolenhetskod;klass;läsår;årskurs;skolform;elev_personnummer;elev_förnamn;"
    header += "elev_efternamn"
    row = f"{w.school_a.school_unit_code};4M;2026/27;4;GR;{w.student_a.identity_number};"
    row += f"Alva;{FAMILY_NAME}"
    return {"file": SimpleUploadedFile("elever.csv", f"{header}\n{row}\n".encode())}


ADMIN_MODELS: tuple[AdminModel, ...] = (
    AdminModel("schools", "organisation", registry_pages(add=FORBIDDEN)),
    AdminModel("schools", "school", registry_pages()),
    AdminModel("schools", "schoolclass", registry_pages()),
    AdminModel(
        "schools",
        "student",
        registry_pages(list_=SHOWS, page=SHOWS),
        extra={
            "admin:schools_student_lookup": (
                Probe(admin_by({RA: OK, RB: OK, LR: FORBIDDEN}), note="the form"),
                Probe(
                    admin_by({RA: to("admin:schools_student_change"), RB: OK, LR: FORBIDDEN}),
                    method="post",
                    data=identity_number,
                    note="by identity number, own organisation only",
                ),
            )
        },
    ),
    # The guardian's page lists her children (the relations inline); its history does not.
    AdminModel("schools", "guardian", registry_pages(page=SHOWS, history=OK, version=OK)),
    AdminModel("schools", "guardianrelation", registry_pages(list_=SHOWS, page=SHOWS, history=OK)),
    AdminModel("schools", "enrolment", registry_pages(list_=SHOWS, page=SHOWS)),
    AdminModel("schools", "classmembership", registry_pages(list_=SHOWS, page=SHOWS)),
    AdminModel("schools", "staffmember", registry_pages()),
    AdminModel("schools", "organisationrole", registry_pages()),
    AdminModel("schools", "assignment", registry_pages()),
    # The registry import (schools.admin_registry): runs and items are read-only reports,
    # proposals are decided by bulk action only; registry admins of their own organisation.
    AdminModel(
        "schools",
        "importrun",
        report_pages(),
        extra={
            "admin:schools_importrun_upload": (
                Probe(admin_by({RA: OK, RB: OK, LR: FORBIDDEN}), note="the form"),
                Probe(
                    admin_by(
                        {
                            RA: to("admin:schools_importrun_preview"),
                            RB: to("admin:schools_importrun_preview"),
                            LR: FORBIDDEN,
                        }
                    ),
                    method="post",
                    data=registry_csv_upload,
                    note="a file naming student_a: kept for the preview, nothing saved",
                ),
            ),
            "admin:schools_importrun_preview": (
                Probe(
                    admin_by(
                        {
                            RA: to("admin:schools_importrun_upload"),
                            RB: to("admin:schools_importrun_upload"),
                            LR: FORBIDDEN,
                        }
                    ),
                    note="nothing uploaded in this session: back to the form",
                ),
                Probe(
                    admin_by(
                        {
                            RA: to("admin:schools_importrun_upload"),
                            RB: to("admin:schools_importrun_upload"),
                            LR: FORBIDDEN,
                        }
                    ),
                    method="post",
                    data=lambda w: {"token": "gissad", "apply": "1"},
                    note="a guessed token imports nothing",
                ),
            ),
        },
    ),
    AdminModel("schools", "importrunitem", report_pages()),
    AdminModel("schools", "proposedassignment", report_pages()),
    # Journal templates (journal.admin): registry admins see the national defaults and their own
    # organisation's; the world's objects are A's template and its draft version 2.
    AdminModel("journal", "documenttemplate", registry_pages()),
    AdminModel(
        "journal",
        "templateversion",
        registry_pages(add=FORBIDDEN),  # drafts come from "Skapa ny version" only
        extra={
            "admin:journal_templateversion_publish": (
                Probe(
                    admin_by(
                        {RA: to("admin:journal_templateversion_change"), RB: ABSENT, LR: FORBIDDEN}
                    ),
                    method="post",
                    args=pk("journal_templateversion"),
                    note="the draft is published",
                ),
                Probe(
                    admin_by(dict.fromkeys(STAFF_ROLES, NOT_ALLOWED)),
                    args=pk("journal_templateversion"),
                ),
            ),
            "admin:journal_templateversion_new_version": (
                Probe(
                    admin_by(
                        {RA: to("admin:journal_templateversion_change"), RB: ABSENT, LR: FORBIDDEN}
                    ),
                    method="post",
                    args=pk("journal_templateversion"),
                    note="refused with a message: the template has a draft already",
                ),
                Probe(
                    admin_by(dict.fromkeys(STAFF_ROLES, NOT_ALLOWED)),
                    args=pk("journal_templateversion"),
                ),
            ),
        },
    ),
    AdminModel(
        "elevhalsa",
        "user",
        {
            "changelist": {RA: OK, RB: OK, LR: FORBIDDEN},
            "add": {RA: OK, RB: OK, LR: FORBIDDEN},
            "change": {RA: OK, RB: ABSENT, LR: FORBIDDEN},
            "history": {RA: OK, RB: ABSENT, LR: FORBIDDEN},
            "delete": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
        },
        extra={
            "admin:auth_user_password_change": (
                Probe(
                    admin_by({RA: OK, RB: NOT_FOUND, LR: FORBIDDEN}),
                    args=pk("elevhalsa_user"),
                ),
            ),
            "admin:elevhalsa_user_second_factor_reset": (
                Probe(
                    admin_by({RA: OK, RB: NOT_FOUND, LR: FORBIDDEN}),
                    args=pk("elevhalsa_user"),
                ),
            ),
        },
    ),
    AdminModel("elevhalsa", "jobrun", closed_pages()),
    AdminModel("elevhalsa", "authevent", closed_pages()),
    AdminModel("otp_totp", "totpdevice", closed_pages()),
    AdminModel("otp_static", "staticdevice", closed_pages()),
    AdminModel("auth", "group", closed_pages()),
    AdminModel(
        "consent",
        "accesslogentry",
        {
            **closed_pages(reviewer={"changelist": SHOWS, "change": SHOWS, "history": OK}),
            # B's registry admin does not find A's row at all.
            "history": {RA: FORBIDDEN, RB: ABSENT, LR: OK},
        },
    ),
    AdminModel(
        "consent",
        "logseal",
        closed_pages(reviewer={"changelist": OK, "change": OK, "history": OK}),
    ),
    # Code lists (journal.admin_codes): read-only; "Aktivera" needs its own permission, which
    # no role here holds, so the POST changes nothing (tests/journal/test_codes_admin.py).
    AdminModel(
        "journal",
        "codelistversion",
        code_list_pages(simple_history=True),
        extra={
            "admin:journal_codelistversion_changelist": (
                Probe(admin_by({RA: OK, RB: OK, LR: FORBIDDEN})),
                Probe(
                    admin_by({RA: OK, RB: OK, LR: FORBIDDEN}),
                    method="post",
                    data=activate_code_list_version,
                    note="Aktivera without the permission: not offered, nothing switched",
                ),
            ),
        },
    ),
    AdminModel("journal", "code", code_list_pages()),
    # The health-visit programme (journal.admin_visits): the world's object is A's draft copied
    # from the national programme; points are its inline only (no URLs of their own).
    AdminModel(
        "journal",
        "healthprogramme",
        registry_pages(add=FORBIDDEN),  # drafts come from "Skapa egen version" only
    ),
    # Consents (consent.admin_consents): read-only for the organisation's registry admins, the
    # parties and answers inline; nobody adds, changes or deletes them here. Portal settings
    # (the age rules) are the registry admin's to edit.
    AdminModel(
        "consent",
        "consent",
        {
            "changelist": {RA: SHOWS, RB: OK, LR: FORBIDDEN},
            "add": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
            "change": {RA: SHOWS, RB: ABSENT, LR: FORBIDDEN},
            "history": {RA: OK, RB: NOT_FOUND, LR: FORBIDDEN},
            "simple_history": {RA: SHOWS, RB: NOT_FOUND, LR: FORBIDDEN},
            "delete": {RA: FORBIDDEN, RB: FORBIDDEN, LR: FORBIDDEN},
        },
    ),
    AdminModel("consent", "portalsettings", registry_pages()),
    # Growth (journal.admin_growth): references are installation-wide data, read-only like the
    # code lists; an organisation's growth settings are its registry admins' to edit.
    AdminModel("journal", "growthreference", code_list_pages(simple_history=True)),
    AdminModel("journal", "growthsettings", registry_pages()),
    # Vaccines and lots (product data) and vaccination programmes (journal.admin_vaccination);
    # the programme's object is A's draft copied from the national one; doses are its inline.
    AdminModel("journal", "vaccine", product_pages()),
    AdminModel("journal", "vaccinelot", product_pages()),
    AdminModel("journal", "vaccinationprogramme", registry_pages(add=FORBIDDEN)),
)


def _admin_model_probes(model: AdminModel) -> dict[str, tuple[Probe, ...]]:
    key = model.key
    specs: dict[str, tuple[Probe, ...]] = {}
    for suffix, staff in model.pages.items():
        if suffix in ("changelist", "add"):
            args = lambda w: ()  # noqa: E731
        elif suffix == "simple_history":
            args = lambda w, key=key: [w.objects[key].pk, w.history_id(key)]  # noqa: E731
        else:
            args = pk(key)
        specs[f"admin:{key}_{suffix}"] = (Probe(admin_by(staff), args=args),)
    # "<pk>/" without "change/": Django's redirect to the change page.
    change = f"admin:{key}_change"
    specs[f"admin:admin/{model.app_label}/{model.model_name}/<path:object_id>/"] = (
        Probe(
            admin_by(dict.fromkeys(STAFF_ROLES, to(change))),
            url=lambda w, key=key, change=change: reverse(
                change, args=[w.objects[key].pk]
            ).removesuffix("change/"),
        ),
    )
    return {**specs, **model.extra}


STAFF_OK = {RA: OK, RB: OK, LR: OK}

ADMIN_SITE: dict[str, tuple[Probe, ...]] = {
    "admin:index": (Probe(admin_by(STAFF_OK)),),
    # The admin signs in through the site's own sign-in; a signed-in user has nothing to do
    # here (non-staff are refused rather than shown a second login form).
    "admin:login": (Probe(by(FORBIDDEN, {ANONYMOUS: LOGIN})),),
    "admin:logout": (
        Probe(by(to("admin:index"), dict.fromkeys(STAFF_ROLES, to("login"))), method="post"),
    ),
    "admin:password_change": (Probe(admin_by(STAFF_OK)),),
    "admin:password_change_done": (Probe(admin_by(STAFF_OK)),),
    "admin:jsi18n": (Probe(admin_by(STAFF_OK)),),
    "admin:autocomplete": (
        Probe(
            admin_by({RA: SHOWS, RB: OK, LR: FORBIDDEN}),
            data=lambda w: {
                "term": NAME_TERM,
                "app_label": "schools",
                "model_name": "enrolment",
                "field_name": "student",
            },
            note="the student field of an enrolment",
        ),
    ),
    "admin:app_list": (
        Probe(
            admin_by({RA: OK, RB: OK, LR: NOT_FOUND}),
            args=lambda w: {"app_label": "schools"},
        ),
    ),
    "admin:admin/(?P<url>.*)$": (
        Probe(admin_by(dict.fromkeys(STAFF_ROLES, NOT_FOUND)), url=lambda w: "/admin/finns-inte/"),
    ),
}


# Issue 11. Access-log review (consent.views_review): the organisation's log reviewer only;
# everyone else 403. Her pages name student_a where the log, the check, the queue (the world's
# emergency access) or the overview (the same access) does.
def reviewer(outcome: str) -> dict:
    return by(FORBIDDEN, {ANONYMOUS: LOGIN, LOG_REVIEWER: outcome})


def log_entry_of_review(w: World) -> dict:
    return {"log_entry": w.objects["consent_accesslogentry"].pk, "outcome": "ok", "comment": ""}


def emergency_in_queue(w: World) -> list:
    return ["nodatkomst", w.objects["consent_emergencyaccess"].pk]


def new_check(w: World) -> dict:
    return {
        "kind": "suspicion",
        "check_name": "protected",
        "period_from": _later(-10),
        "period_to": _later(0),
    }


LOG_REVIEW: dict[str, tuple[Probe, ...]] = {
    "consent:review-log": (Probe(reviewer(SHOWS)),),
    "consent:review-list": (
        Probe(reviewer(OK)),
        Probe(reviewer(to("consent:review-detail")), method="post", data=new_check),
    ),
    "consent:review-detail": (Probe(reviewer(SHOWS), args=pk("consent_logreview")),),
    "consent:review-finding": (
        Probe(
            reviewer(to("consent:review-detail")),
            method="post",
            args=pk("consent_logreview"),
            data=log_entry_of_review,
        ),
    ),
    "consent:review-close": (
        Probe(
            reviewer(to("consent:review-list")),
            method="post",
            args=pk("consent_logreview"),
            data=lambda w: {"conclusion": "Inga avvikelser."},
        ),
    ),
    "consent:review-queue": (Probe(reviewer(SHOWS)),),
    "consent:review-queue-close": (
        Probe(
            reviewer(to("consent:review-queue")),
            method="post",
            args=emergency_in_queue,
            data=lambda w: {"outcome": "justified", "comment": ""},
        ),
    ),
    "consent:review-permissions": (Probe(reviewer(SHOWS)),),
    "consent:review-permissions-csv": (Probe(reviewer(SHOWS)),),
    "consent:review-permissions-reviewed": (
        Probe(
            reviewer(to("consent:review-permissions")),
            method="post",
            data=lambda w: {
                "subject": "assignment",
                "subject_id": w.objects["schools_assignment"].pk,
            },
        ),
    ),
}

# Issue 11. Blocks (spärr) and the log extract (consent.views_blocks, consent.views_extracts).
# Blocks: read by everyone reading student_a's record, recorded and lifted by her writers. The
# world's block hides nothing (records up to 2000) but is "in force" for the emergency nurse at
# school A2, who has taken the first reveal step. Extracts: the care relation only (emergency
# access does not produce them), of organisation A.
BLOCK_LIST = to("consent:block-list")
EXTRACT_MAKERS = {ANONYMOUS: LOGIN, CARE_HERE: SHOWS, EMERGENCY: FORBIDDEN}


def block_of(key: str) -> Callable[[World], list]:
    return lambda w: [w.student_a.public_id, w.objects[key].pk]


def extract_args(w: World) -> list:
    return [w.student_a.public_id, w.objects["consent_logextract"].pk]


BLOCKS_AND_EXTRACTS: dict[str, tuple[Probe, ...]] = {
    "consent:block-list": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
    ),
    "consent:block-new": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: BLOCK_LIST}),
            method="post",
            args=student_id,
            data=lambda w: {
                "requested_by_student": "on",
                "school": w.school_a.pk,
                "records_until": "2000-01-01",
            },
        ),
    ),
    "consent:block-lift": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=block_of("consent_block")),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: BLOCK_LIST}),
            method="post",
            args=block_of("consent_block_lift"),
            data=lambda w: {"lift_reason": "Eleven har ångrat sig."},
            note="lifted by the first, a message for the others",
        ),
    ),
    "consent:block-reveal": (
        Probe(by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}), args=student_id),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, READERS: SHOWS}),
            method="post",
            args=student_id,
            data=lambda w: {"reason": "Akut: eleven har svimmat.", "confirmed": "on"},
            note="nothing left to reveal (the emergency nurse took step 1): the page again",
        ),
    ),
    "consent:block-reveal-content": (
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMERGENCY: SHOWS}),
            args=block_of("consent_block"),
            note="only after step 1, and only where the block hides something",
        ),
        Probe(
            by(NOT_FOUND, {ANONYMOUS: LOGIN, EMERGENCY: to("journal:record")}),
            method="post",
            args=block_of("consent_block"),
            data=lambda w: {"reason": "Akut: eleven har svimmat.", "confirmed": "on"},
        ),
    ),
    "consent:log-extract-new": (
        Probe(by(NOT_FOUND, EXTRACT_MAKERS), args=student_id),
        Probe(
            by(
                NOT_FOUND,
                {**EXTRACT_MAKERS, CARE_HERE: to("consent:log-extract-detail")},
            ),
            method="post",
            args=student_id,
            data=lambda w: {
                "period_from": "2026-01-01",
                "period_to": "2026-01-31",
                "requested_by_text": "Eleven",
            },
        ),
    ),
    "consent:log-extract-detail": (Probe(by(NOT_FOUND, EXTRACT_MAKERS), args=extract_args),),
    "consent:log-extract-pdf": (Probe(by(NOT_FOUND, EXTRACT_MAKERS), args=extract_args),),
    "consent:log-extract-release": (
        Probe(
            by(
                NOT_FOUND,
                {**EXTRACT_MAKERS, CARE_HERE: to("consent:log-extract-detail")},
            ),
            args=extract_args,
            note="released already (not protected): back to the extract",
        ),
    ),
}

MATRIX: dict[str, tuple[Probe, ...]] = {
    **SITE,
    **JOURNAL,
    **CARE,
    **VISITS,
    **CONSENTS,
    **PORTAL,
    **PORTAL_SIGN_IN,
    **CROSS_ORGANISATION,
    **GROWTH,
    **VACCINATION_STATUS,
    **VACCINATION_SESSIONS,
    **VACCINATION_DOSES,
    **LOG_REVIEW,
    **BLOCKS_AND_EXTRACTS,
    **ADMIN_SITE,
}
for _model in ADMIN_MODELS:
    MATRIX.update(_admin_model_probes(_model))

# --- Enumerating the URL patterns -------------------------------------------------------------


def pattern_key(namespaces: tuple[str, ...], route: str, pattern: URLPattern) -> str:
    """``namespace:name``, or ``namespace:<full route>`` for a pattern without a name."""
    return ":".join([*namespaces, pattern.name or route])


def url_patterns(resolver=None, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from url_patterns(entry, route, inner)
        else:
            yield pattern_key(namespaces, route, entry), route


# --- Checking one cell --------------------------------------------------------------------------


def _target(location: str) -> tuple[str | None, dict]:
    parsed = urlparse(location)
    try:
        name = url_resolve(parsed.path).view_name
    except Resolver404:
        name = None
    return name, parse_qs(parsed.query)


def outcome_error(response, expected: str, world: World) -> str | None:
    """None when ``response`` is the ``expected`` outcome, else what it was instead."""
    status = response.status_code
    location = response.get("Location", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/pdf"):
        text = pdf_text(body)  # the words of a (compressed) PDF, to check for her name
    got = f"{status} {location}".strip()
    if expected == REFUSED_SHOWS:
        if status != 400:
            return f"got {got}"
        return None if FAMILY_NAME in text else "400, but the page does not name the student"
    if expected == SHOWS:
        if not 200 <= status < 300:
            return f"got {got}"
        if FAMILY_NAME not in text:
            return "2xx, but the page does not name the student"
        return None
    leaks = [s for s in (FAMILY_NAME, *world.identity_forms) if s in text or s in location]
    if leaks:
        return f"got {got} and the response names the student: {leaks}"
    if expected == OK:
        return None if 200 <= status < 300 else f"got {got}"
    if expected in (NOT_FOUND, FORBIDDEN, NOT_ALLOWED):
        return None if str(status) == expected else f"got {got}"
    if status not in (301, 302):
        return f"got {got}"
    if expected == EXTERNAL:
        return None if urlparse(location).netloc not in ("", "testserver") else f"got {got}"
    name, query = _target(location)
    if expected in (LOGIN, ADMIN_LOGIN):
        wanted = "login" if expected == LOGIN else "admin:login"
        return None if name == wanted and "next" in query else f"got {got}"
    if expected == ABSENT:
        return None if name == "admin:index" else f"got {got}"
    assert expected.startswith("→"), expected
    return None if name == expected[1:] else f"got {got}"


def pdf_text(body: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages) + str(reader.metadata)


def request(client, probe: Probe, key: str, world: World):
    url = probe.build_url(key, world)
    data = probe.data(world) if probe.data else None
    return getattr(client, probe.method)(url, data)


class Clients:
    """One verified client per role, signed in on first use."""

    def __init__(self, world: World):
        self.world = world
        self.by_role: dict[str, VerifiedClient] = {}

    def __getitem__(self, role: str) -> VerifiedClient:
        client = self.by_role.get(role)
        if client is None:
            if role in GUARDIANS:  # a portal session, as the e-ID sign-in makes it
                client = sign_in_portal_user(Client(), self.world.users[role])
            else:
                client = VerifiedClient()
                if role != ANONYMOUS:
                    client.force_login(self.world.users[role])
            self.by_role[role] = client
        return client


def run_cell(clients: Clients, key: str, index: int, role: str) -> str | None:
    probe = MATRIX[key][index]
    expected = probe.expect[role]
    if expected == GUARDIAN_STAFF:
        expected = to("portal:home") if probe.method == "get" else FORBIDDEN
    try:
        response = request(clients[role], probe, key, clients.world)
    except Exception as error:  # a 500: report it as the cell's outcome
        return f"raised {type(error).__name__}: {error}"
    return outcome_error(response, expected, clients.world)


@pytest.fixture
def world(db):
    world = build_world()
    add_registry_import_objects(world)
    add_journal_template_objects(world)
    add_code_list_objects(world)
    add_journal_entry_objects(world)
    add_alert_and_care_objects(world)
    add_health_visit_objects(world)
    add_consent_objects(world)
    add_cross_organisation_objects(world)
    add_portal_objects(world)
    add_growth_objects(world)
    add_vaccination_status_objects(world)
    add_vaccination_session_objects(world)
    add_vaccination_dose_objects(world)
    add_log_review_objects(world)
    add_block_objects(world)
    return world


def add_code_list_objects(world: World) -> None:
    """One KVÅ version (active) with two codes."""
    from journal.services.codes import code_list_load

    data = "kod\ttitel\nDV111\tEnkla råd om tobaksbruk\nDV112\tRådgivande samtal\n".encode()
    version = code_list_load(
        system="kva", data=data, source_name="kva-matris.txt", activate=True
    ).version
    world.objects.update(
        {"journal_codelistversion": version, "journal_code": version.codes.order_by("code")[0]}
    )


def add_registry_import_objects(world: World) -> None:
    """One import run of organisation A with a report item, and a proposed assignment."""
    from django.utils import timezone

    from schools.models.registry import ImportRun, ImportRunItem, ProposedAssignment

    now = timezone.now()
    run = ImportRun.objects.create(
        source="csv:matris", organisation=world.org_a, started_at=now, finished_at=now
    )
    item = ImportRunItem.objects.create(
        run=run,
        kind=ImportRunItem.Kind.REFUSED,
        entity="row",
        source_id="",
        row=2,
        message="Eleven har ett ogiltigt person- eller samordningsnummer.",
    )
    proposal = ProposedAssignment.objects.create(
        organisation=world.org_a,
        staff_member=world.users[REGISTRY_ADMIN].staff_member,
        school=world.school_a,
        start_date=timezone.localdate(),
    )
    world.objects.update(
        {
            "schools_importrun": run,
            "schools_importrunitem": item,
            "schools_proposedassignment": proposal,
        }
    )


# --- The tests ----------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix():
    enumerated = [key for key, _route in url_patterns()]
    assert len(enumerated) == len(set(enumerated)), "pattern keys must be unique"
    missing = sorted(set(enumerated) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(enumerated))
    assert not missing, f"URL patterns without a row in the authorization matrix: {missing}"
    assert not stale, f"matrix rows for URL patterns that no longer exist: {stale}"


def test_every_probe_names_every_role_with_a_known_outcome():
    for key, probes in MATRIX.items():
        assert probes, key
        for probe in probes:
            assert set(probe.expect) == set(ROLES), key
            for outcome in probe.expect.values():
                assert outcome in OUTCOMES or outcome.startswith("→"), (key, outcome)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_url_pattern(key, world):
    failures = []
    for index, probe in enumerate(MATRIX[key]):
        clients = Clients(world)  # a probe may sign its user out: fresh sessions per probe
        for role in ROLES:
            error = run_cell(clients, key, index, role)
            if error:
                label = f" ({probe.note})" if probe.note else ""
                failures.append(
                    f"{probe.method.upper()}{label} as {role}: "
                    f"expected {probe.expect[role]}, {error}"
                )
    assert not failures, f"{key}:\n  " + "\n  ".join(failures)
