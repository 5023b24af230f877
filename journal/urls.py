from django.urls import path

from .views import attachments, copies, entries, record

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
    # The author's unsigned notes.
    path("journal/mina-utkast/", entries.my_drafts, name="my-drafts"),
]
