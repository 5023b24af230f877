from django.urls import path

from .views import (
    alerts,
    attachments,
    copies,
    entries,
    growth,
    letters,
    medication,
    other_providers,
    record,
    visits,
)

app_name = "journal"
urlpatterns = [
    # One student's record: the timeline, a new note, a whole-record copy.
    path("elever/<uuid:public_id>/journal/", record.record, name="record"),
    path("elever/<uuid:public_id>/journal/ny/", entries.entry_new, name="entry-new"),
    path("elever/<uuid:public_id>/journal/kopia/", copies.record_copy, name="record-copy"),
    # One entry.
    path("journal/anteckningar/<uuid:entry_id>/", record.entry_detail, name="entry-detail"),
    path(
        "journal/anteckningar/<uuid:entry_id>/historik/", record.entry_history, name="entry-history"
    ),
    path("journal/anteckningar/<uuid:entry_id>/redigera/", entries.entry_edit, name="entry-edit"),
    path("journal/anteckningar/<uuid:entry_id>/signera/", entries.entry_sign, name="entry-sign"),
    path(
        "journal/anteckningar/<uuid:entry_id>/rattelse/",
        entries.entry_correct,
        name="entry-correct",
    ),
    path(
        "journal/anteckningar/<uuid:entry_id>/markeringar/", entries.entry_mark, name="entry-mark"
    ),
    path(
        "journal/anteckningar/<uuid:entry_id>/bilagor/",
        attachments.attachment_add,
        name="attachment-add",
    ),
    path("journal/anteckningar/<uuid:entry_id>/skriv-ut/", copies.entry_print, name="entry-print"),
    path(
        "journal/bilagor/<uuid:attachment_id>/",
        attachments.attachment_download,
        name="attachment-download",
    ),
    # Alerts (uppmärksamhetssignaler): every clinician of the student sees them.
    path("elever/<uuid:public_id>/signaler/", alerts.alert_list, name="alert-list"),
    path("elever/<uuid:public_id>/signaler/ny/", alerts.alert_new, name="alert-new"),
    path("signaler/<uuid:alert_id>/", alerts.alert_edit, name="alert-edit"),
    path("signaler/<uuid:alert_id>/inaktivera/", alerts.alert_inactivate, name="alert-inactivate"),
    # School-time medication and self-care (egenvård): per student, and per school.
    path(
        "elever/<uuid:public_id>/lakemedel-och-egenvard/", medication.overview, name="care-overview"
    ),
    path("elever/<uuid:public_id>/lakemedel/ny/", medication.order_new, name="order-new"),
    path("lakemedel/<uuid:record_id>/", medication.order_detail, name="order-detail"),
    path("lakemedel/<uuid:record_id>/redigera/", medication.order_edit, name="order-edit"),
    path("lakemedel/<uuid:record_id>/signera/", medication.order_sign, name="order-sign"),
    path("lakemedel/<uuid:record_id>/ny-version/", medication.order_revise, name="order-revise"),
    path("elever/<uuid:public_id>/egenvard/ny/", medication.plan_new, name="plan-new"),
    path("egenvard/<uuid:record_id>/", medication.plan_detail, name="plan-detail"),
    path("egenvard/<uuid:record_id>/redigera/", medication.plan_edit, name="plan-edit"),
    path("egenvard/<uuid:record_id>/signera/", medication.plan_sign, name="plan-sign"),
    path("egenvard/<uuid:record_id>/ny-version/", medication.plan_revise, name="plan-revise"),
    path(
        "skolor/<int:pk>/lakemedel-och-egenvard/", medication.school_list, name="school-care-list"
    ),
    # The author's unsigned notes.
    path("journal/mina-utkast/", entries.my_drafts, name="my-drafts"),
    # Invitation letters (kallelser) to planned health visits, as PDF.
    path("halsobesok/<int:pk>/kallelse/", letters.visit_letter, name="visit-letter"),
    path("klasser/<int:pk>/kallelser/", letters.class_letters, name="class-letters"),
    # Health visits (hälsobesök): a class's worklist, one visit, one student's coverage.
    path("klasser/<int:pk>/halsobesok/", visits.class_worklist, name="class-worklist"),
    path("halsobesok/<int:pk>/", visits.visit_update, name="visit-update"),
    path("elever/<uuid:public_id>/halsobesok/", visits.student_visits, name="student-visits"),
    # One programme point planned case by case (catch-up) or marked not applicable.
    path(
        "elever/<uuid:public_id>/halsobesok/punkt/<int:point_pk>/",
        visits.visit_catch_up,
        name="visit-catch-up",
    ),
    # Another care provider's records: the active choice under a granted consent (R-ACL-6).
    path(
        "elever/<uuid:public_id>/annan-vardgivare/<int:organisation_id>/",
        other_providers.active_choice,
        name="active-choice",
    ),
]

# Growth (tillväxt): a student's measurements and curves, parents' heights, sharing with the
# guardians, a correction; a class's heights and weights on one page (issue 7).
urlpatterns += [
    path("elever/<uuid:public_id>/tillvaxt/", growth.student_growth, name="growth"),
    path("elever/<uuid:public_id>/tillvaxt/ny/", growth.measurement_new, name="growth-new"),
    path(
        "elever/<uuid:public_id>/tillvaxt/foraldrar/",
        growth.parent_heights,
        name="growth-parents",
    ),
    path("elever/<uuid:public_id>/tillvaxt/delning/", growth.growth_share, name="growth-share"),
    path(
        "tillvaxt/<uuid:measurement_id>/rattelse/",
        growth.measurement_correct,
        name="growth-correct",
    ),
    path("klasser/<int:pk>/tillvaxt/", growth.class_growth, name="class-growth"),
]

# Class vaccination sessions (issue 8): plan under a signed general ordination, ask the class
# for consent, then one click per student with the session's vaccine and lot.
from .views import vaccination_sessions  # noqa: E402

urlpatterns += [
    path(
        "klasser/<int:pk>/vaccinationstillfallen/",
        vaccination_sessions.session_list,
        name="vaccination-session-list",
    ),
    path(
        "klasser/<int:pk>/vaccinationstillfallen/ny/",
        vaccination_sessions.session_new,
        name="vaccination-session-new",
    ),
    path(
        "vaccinationstillfallen/<uuid:public_id>/",
        vaccination_sessions.session_detail,
        name="vaccination-session",
    ),
    path(
        "vaccinationstillfallen/<uuid:public_id>/samtycken/",
        vaccination_sessions.session_consents,
        name="vaccination-session-consents",
    ),
]

# Ordinations, doses, refusals, documented doses and corrections, and the national vaccination
# register's worklist (issue 8).
from .views import register, vaccinations  # noqa: E402

urlpatterns += [
    path("ordinationer/", vaccinations.ordination_list, name="ordination-list"),
    path("ordinationer/ny/", vaccinations.ordination_new, name="ordination-new"),
    path(
        "ordinationer/<uuid:ordination_id>/",
        vaccinations.ordination_detail,
        name="ordination-detail",
    ),
    path(
        "ordinationer/<uuid:ordination_id>/signera/",
        vaccinations.ordination_sign,
        name="ordination-sign",
    ),
    path(
        "elever/<uuid:public_id>/vaccinationer/ny/",
        vaccinations.vaccination_new,
        name="vaccination-new",
    ),
    path(
        "elever/<uuid:public_id>/vaccinationer/tidigare/",
        vaccinations.vaccination_document,
        name="vaccination-document",
    ),
    path(
        "vaccinationer/<uuid:vaccination_id>/",
        vaccinations.vaccination_detail,
        name="vaccination-detail",
    ),
    path(
        "vaccinationer/<uuid:vaccination_id>/rattelse/",
        vaccinations.vaccination_correct,
        name="vaccination-correct",
    ),
    path("vaccinationsregistret/", register.register_worklist, name="register-worklist"),
    path(
        "vaccinationsregistret/<int:pk>/inskickad/",
        register.register_mark_sent,
        name="register-mark-sent",
    ),
    path(
        "vaccinationsregistret/<int:pk>/kvittens/",
        register.register_acknowledge,
        name="register-acknowledge",
    ),
    path(
        "vaccinationsregistret/<int:pk>/igen/",
        register.register_requeue,
        name="register-requeue",
    ),
]

# Vaccination status (issue 8): a student's status and history, a class's status, a school's
# due list (and catch-up list, CSV export).
from .views import vaccination_status  # noqa: E402

urlpatterns += [
    path(
        "elever/<uuid:public_id>/vaccinationer/",
        vaccination_status.student_vaccinations,
        name="student-vaccinations",
    ),
    path(
        "klasser/<int:pk>/vaccinationer/",
        vaccination_status.class_vaccinations,
        name="class-vaccinations",
    ),
    path(
        "skolor/<int:pk>/vaccinationer/",
        vaccination_status.school_due_list,
        name="school-vaccinations",
    ),
]
