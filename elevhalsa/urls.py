from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .auth import views as auth_steps

urlpatterns = [
    path("", views.home, name="home"),
    # Password first; the second factor (elevhalsa.auth) follows before any other page opens.
    path("konto/logga-in/", auth_steps.SignInView.as_view(), name="login"),
    # Django's LogoutView accepts only POST, so a link or an image cannot log anyone out.
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/", include("elevhalsa.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("schools.urls")),
    path("", include("consent.urls")),  # access steps: lookup, emergency, records officer
    path("", include("journal.urls")),
    path("portal/", include("consent.portal.urls")),  # guardians: e-ID sign-in and their pages
]
