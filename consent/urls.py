from django.urls import path

from . import views, views_guardian_access

app_name = "consent"
urlpatterns = [
    path("atkomst/sok-elev/", views.student_lookup, name="student-lookup"),
    path(
        "atkomst/nodatkomst/<uuid:public_id>/",
        views.emergency_start,
        name="emergency-start",
    ),
    path(
        "atkomst/nodatkomst/<uuid:public_id>/bekrafta/",
        views.emergency_confirm,
        name="emergency-confirm",
    ),
    path(
        "atkomst/arkivansvarig/<uuid:public_id>/",
        views.records_officer_start,
        name="records-officer-start",
    ),
    path(
        "atkomst/arkivansvarig/<uuid:public_id>/bekrafta/",
        views.records_officer_confirm,
        name="records-officer-confirm",
    ),
]

# Guardians' portal rights for one student, and a clinician's decisions about them (issue 5).
urlpatterns += [
    path(
        "elever/<uuid:student_id>/vardnadshavare/",
        views_guardian_access.guardian_access,
        name="guardian-access",
    ),
    path(
        "elever/<uuid:student_id>/vardnadshavare/beslut/ny/",
        views_guardian_access.guardian_access_new,
        name="guardian-access-new",
    ),
    path(
        "elever/<uuid:student_id>/vardnadshavare/beslut/<int:pk>/upphav/",
        views_guardian_access.guardian_access_end,
        name="guardian-access-end",
    ),
]

# Consents (issue 5): a student's, an answer recorded by staff, a scan, maturity and mandates,
# and a class's requests made in one act (consent.views_consents).
from . import views_consents  # noqa: E402

urlpatterns += [
    path(
        "elever/<uuid:student_id>/samtycken/",
        views_consents.consent_list,
        name="consent-list",
    ),
    path(
        "elever/<uuid:student_id>/samtycken/ny/",
        views_consents.consent_new,
        name="consent-new",
    ),
    path(
        "samtycken/<uuid:consent_id>/parter/<int:party_id>/svar/",
        views_consents.answer_record,
        name="answer-record",
    ),
    path(
        "samtycken/<uuid:consent_id>/svar/<int:answer_id>/inskannat/",
        views_consents.answer_scan,
        name="answer-scan",
    ),
    path(
        "elever/<uuid:student_id>/samtycken/mognad/",
        views_consents.maturity_new,
        name="maturity-new",
    ),
    path(
        "samtycken/mognad/<int:pk>/avsluta/",
        views_consents.maturity_end,
        name="maturity-end",
    ),
    path(
        "elever/<uuid:student_id>/samtycken/forordnande/",
        views_consents.mandate_new,
        name="mandate-new",
    ),
    path(
        "samtycken/forordnanden/<int:pk>/avsluta/",
        views_consents.mandate_end,
        name="mandate-end",
    ),
    path(
        "klasser/<int:class_id>/samtycken/",
        views_consents.class_consents,
        name="class-consents",
    ),
]

# Access-log review (issue 11): the log, documented checks, the queue, the permissions overview
# (consent.views_review); only for the organisation's log reviewer.
from . import views_review  # noqa: E402

urlpatterns += [
    path("loggkontroll/", views_review.log_search, name="review-log"),
    path("loggkontroll/kontroller/", views_review.review_list, name="review-list"),
    path("loggkontroll/kontroller/<int:pk>/", views_review.review_detail, name="review-detail"),
    path(
        "loggkontroll/kontroller/<int:pk>/bedomning/",
        views_review.review_finding,
        name="review-finding",
    ),
    path(
        "loggkontroll/kontroller/<int:pk>/avsluta/",
        views_review.review_close,
        name="review-close",
    ),
    path("loggkontroll/ko/", views_review.queue, name="review-queue"),
    path(
        "loggkontroll/ko/<slug:kind>/<int:pk>/",
        views_review.queue_close,
        name="review-queue-close",
    ),
    path("loggkontroll/behorigheter/", views_review.permissions, name="review-permissions"),
    path(
        "loggkontroll/behorigheter/csv/",
        views_review.permissions_csv,
        name="review-permissions-csv",
    ),
    path(
        "loggkontroll/behorigheter/granskad/",
        views_review.permissions_reviewed,
        name="review-permissions-reviewed",
    ),
]

# Blocks (spärr) and the student's log extract (issue 11): consent.views_blocks and
# consent.views_extracts.
from . import views_blocks, views_extracts  # noqa: E402

urlpatterns += [
    path("elever/<uuid:public_id>/sparrar/", views_blocks.block_list, name="block-list"),
    path("elever/<uuid:public_id>/sparrar/ny/", views_blocks.block_new, name="block-new"),
    path(
        "elever/<uuid:public_id>/sparrar/<int:pk>/hav/",
        views_blocks.block_lift,
        name="block-lift",
    ),
    path(
        "elever/<uuid:public_id>/sparrar/oppna/",
        views_blocks.block_reveal,
        name="block-reveal",
    ),
    path(
        "elever/<uuid:public_id>/sparrar/<int:pk>/oppna/",
        views_blocks.block_reveal_content,
        name="block-reveal-content",
    ),
    path(
        "elever/<uuid:public_id>/loggutdrag/",
        views_extracts.extract_new,
        name="log-extract-new",
    ),
    path(
        "elever/<uuid:public_id>/loggutdrag/<int:pk>/",
        views_extracts.extract_detail,
        name="log-extract-detail",
    ),
    path(
        "elever/<uuid:public_id>/loggutdrag/<int:pk>/pdf/",
        views_extracts.extract_pdf,
        name="log-extract-pdf",
    ),
    path(
        "elever/<uuid:public_id>/loggutdrag/<int:pk>/menprovning/",
        views_extracts.extract_release,
        name="log-extract-release",
    ),
]
