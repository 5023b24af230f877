from django.urls import path

from .views import alerts, attachments, copies, entries, letters, medication, record, visits

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
]
