"""The portal's URLs, under /portal/ (namespace "portal"): sign-in and the guardian's pages."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("consent.portal.urls_signin")),
    path("", include("consent.portal.urls_pages")),
]
