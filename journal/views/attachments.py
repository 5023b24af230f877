"""Attachments: adding scanned paper to one's own draft, and reading it through the policy.

A file is never served by the web server: it lives in ``JOURNAL_ATTACHMENT_ROOT``, outside the
web root, and only ``attachment_download`` reads it, after the policy and the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from consent.policy import Action

from ..access import get_attachment_or_404, get_entry_or_404
from ..forms_files import AttachmentForm
from ..models import JournalEntry
from ..services.attachments import EXTENSIONS, max_bytes, size_error
from ..services.attachments import attachment_add as add_attachment


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the size limit, instead of first writing all of
    it to a temporary file; the view then says the file was too large."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


@csrf_exempt  # checked by csrf_protect below, once the upload handler is in place
@login_required
@require_http_methods(["GET", "POST"])
def attachment_add(request, entry_id):
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _attachment_add(request, entry_id)


@csrf_protect
def _attachment_add(request, entry_id):
    entry = get_entry_or_404(
        request,
        entry_id,
        action=Action.WRITE,
        queryset=JournalEntry.objects.select_related("template_version__template"),
    )
    # Only the author adds to her own draft; a crafted POST to a signed entry stores nothing.
    if entry.author_id != request.user.pk or entry.is_signed:
        raise PermissionDenied
    if entry.is_locked:
        messages.error(
            request, _("Utkastet är låst: det kan signeras men inga bilagor läggs till.")
        )
        return redirect(entry)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        valid = form.is_valid()
        if getattr(request, "upload_too_large", False):
            form.errors.pop("file", None)  # not "choose a file": the one chosen was too large
            form.add_error("file", size_error())
            valid = False
        if valid:
            try:
                add_attachment(
                    entry=entry,
                    by=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    document_type=form.cleaned_data["document_type"],
                    description=form.cleaned_data["description"],
                    scanned=form.cleaned_data["scanned"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Bilagan lades till."))
                return redirect(entry)
    return render(
        request,
        "journal/attachment_add.html",
        {"entry": entry, "student": entry.student, "form": form, "max_bytes": max_bytes()},
    )


@login_required
@require_http_methods(["GET"])
def attachment_download(request, attachment_id):
    attachment = get_attachment_or_404(request, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None  # the row is there but the file is not: not a server error
    uploaded = timezone.localtime(attachment.uploaded_at).date()
    extension = EXTENSIONS.get(attachment.content_type, "bin")
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=False,
        # A name without personal data: the stored one is random, the uploaded one never kept.
        filename=f"bilaga-{uploaded.isoformat()}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
