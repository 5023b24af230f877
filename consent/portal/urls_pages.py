"""The guardian's pages: children, a child's sections, consent requests."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("barn/<uuid:student_id>/", views.child_detail, name="child"),
    path(
        "barn/<uuid:student_id>/samtycken/<uuid:consent_id>/",
        views.consent_detail,
        name="consent",
    ),
]
