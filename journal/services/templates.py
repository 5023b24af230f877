"""Template versions: a change is a new draft copied from a version; publishing freezes it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from ..models import DocumentTemplate, Keyword, TemplateVersion

# Copied from a keyword into its copy in the new draft: everything but identity and version.
KEYWORD_FIELDS = [
    field.name for field in Keyword._meta.concrete_fields if field.name not in {"id", "version"}
]


@transaction.atomic
def version_create_draft(
    *, template: DocumentTemplate, from_version: TemplateVersion | None = None, by=None
) -> TemplateVersion:
    """A new draft of ``template`` with the keywords of ``from_version`` (default: the newest
    version), numbered after the newest. A template has at most one draft."""
    template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
    versions = template.versions.all()
    if versions.filter(status=TemplateVersion.Status.DRAFT).exists():
        raise ValidationError(_("Mallen har redan ett utkast."), code="draft_exists")
    if from_version is None:
        from_version = versions.order_by("-number").first()
    elif from_version.template_id != template.pk:
        raise ValidationError(_("Versionen hör till en annan mall."), code="other_template")
    number = (versions.aggregate(Max("number"))["number__max"] or 0) + 1
    draft = TemplateVersion(template=template, number=number)
    draft._history_user = by
    draft.full_clean()
    draft.save()
    if from_version is not None:
        copies = [
            Keyword(version=draft, **{name: getattr(keyword, name) for name in KEYWORD_FIELDS})
            for keyword in from_version.keywords.order_by("order")
        ]
        bulk_create_with_history(copies, Keyword, default_user=by)
    return draft


def publish_errors(version: TemplateVersion) -> list[str]:
    """Why ``version`` cannot be published; [] when it can."""
    if not version.is_draft:
        return [_("Bara ett utkast kan publiceras.")]
    keywords = list(version.keywords.order_by("order"))
    if not keywords:
        return [_("Versionen har inga sökord.")]
    errors = []
    if [keyword.order for keyword in keywords] != list(range(1, len(keywords) + 1)):
        errors.append(_("Sökordens ordning ska vara 1, 2, 3 … utan luckor."))
    for keyword in keywords:
        try:
            keyword.full_clean()
        except ValidationError as error:
            errors.append(
                _("Sökordet ”%(label)s”: %(errors)s")
                % {"label": keyword.label, "errors": " ".join(error.messages)}
            )
    return errors


@transaction.atomic
def version_publish(*, version: TemplateVersion, by) -> TemplateVersion:
    """Publish a draft; the version published before it is retired (entries keep pointing to
    it). From now on the version and its keywords never change."""
    DocumentTemplate.objects.select_for_update().get(pk=version.template_id)
    version = TemplateVersion.objects.get(pk=version.pk)
    errors = publish_errors(version)
    if errors:
        raise ValidationError(errors, code="not_publishable")
    for previous in TemplateVersion.objects.filter(
        template_id=version.template_id, status=TemplateVersion.Status.PUBLISHED
    ):
        previous.status = TemplateVersion.Status.RETIRED
        previous._history_user = by
        previous.save(update_fields=["status"])
    version.status = TemplateVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version._history_user = by
    version.save(update_fields=["status", "published_at", "published_by"])
    return version
