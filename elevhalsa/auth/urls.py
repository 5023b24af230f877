"""Sign-in steps and "Mitt konto" under /konto/ (login and logout keep their old names)."""

from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("", views.account, name="detail"),
    path("andra-faktorn/", views.second_factor, name="second-factor"),
    path("andra-faktorn/registrera/", views.enrol, name="enrol"),
    path("andra-faktorn/reservkoder/", views.backup_codes, name="backup-codes"),
    path(
        "andra-faktorn/reservkoder/nya/",
        views.backup_codes_regenerate,
        name="backup-codes-regenerate",
    ),
    path("logga-ut-overallt/", views.logout_everywhere, name="logout-everywhere"),
]
