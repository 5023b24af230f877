from django.urls import path

from . import views

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
