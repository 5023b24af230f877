"""Find a student or guardian by identity number in the admin: by POST, never by query string.

The number travels only in a POST body (CSRF-protected, hidden from error reports); the answer is
a redirect to the change page, which is addressed by the integer primary key. Not found and
outside the admin's organisation give the same neutral message.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .fields import IdentityNumberFormField
from .models import Guardian, Student

NOT_FOUND = _("Ingen elev eller vårdnadshavare med det numret finns i din organisation.")


class IdentityLookupForm(forms.Form):
    identity_number = IdentityNumberFormField(
        label=_("Person- eller samordningsnummer"),
        help_text=_("ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."),
    )


def identity_lookup_view(student_admin: admin.ModelAdmin):
    site = student_admin.admin_site

    @sensitive_post_parameters("identity_number")
    @csrf_protect
    @require_http_methods(["GET", "POST"])
    def view(request):
        if not student_admin.has_view_permission(request):
            raise PermissionDenied
        # A GET never searches, whatever its query string holds.
        form = IdentityLookupForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            number = form.cleaned_data["identity_number"]
            for model in (Student, Guardian):
                model_admin = site._registry.get(model)
                if model_admin is None or not model_admin.has_view_permission(request):
                    continue
                found = (
                    model_admin.scope(
                        request, model._default_manager.filter(identity_number=number)
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                if found is not None:
                    return redirect(f"{site.name}:schools_{model._meta.model_name}_change", found)
            form.add_error(None, NOT_FOUND)
        context = {
            **site.each_context(request),
            "title": _("Sök med personnummer"),
            "opts": Student._meta,
            "form": form,
            "changelist_url": f"{site.name}:schools_student_changelist",
        }
        return TemplateResponse(request, "admin/schools/student/lookup.html", context)

    return view
