"""The admin site requires a verified session (django-otp's ``OTPAdminSite``) and signs in
through our own pages, so there is one sign-in with one lockout and one enrolment."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class VerifiedAdminSite(OTPAdminSite):
    """``has_permission`` (from OTPAdminSite): active staff *and* ``is_verified()``."""

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        query = urlencode({"next": next_url})
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{query}")
        if not request.user.is_verified():
            return redirect(f"{reverse('account:second-factor')}?{query}")
        # Signed in fully, but not staff: no admin, and no second login form either.
        raise PermissionDenied

    def get_urls(self):
        # "View on site" (admin/r/<type>/<pk>/) redirects any staff user from an object's
        # primary key to its public URL, whoever's object it is: that maps a student's pk to
        # her public id outside the admin's scoping. Staff pages have their own links.
        return [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]


def use_verified_admin_site() -> None:
    """Turn the default ``admin.site`` (every app registers with it) into the verified site.
    Its name stays "admin", so admin URLs and templates are unchanged."""
    if not isinstance(admin.site, VerifiedAdminSite):
        admin.site.__class__ = VerifiedAdminSite
