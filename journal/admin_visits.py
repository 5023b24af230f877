"""The health-visit programme in the admin (imported by journal/admin.py).

Like template versions, a published (or retired) programme is read-only: a change is a new draft
("Skapa egen version"), published with "Publicera" (``journal.services.programmes``). Points are
edited only in the programme's inline, only while it is a draft. Who may do what is the rule of
every versioned programme (journal/admin_programmes.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schools.admin_base import admin_organisation_id

from .admin_programmes import ProgrammeChildInlineMixin, VersionedProgrammeAdmin
from .admin_programmes import may_edit_programme as may_edit_programme  # re-exported
from .admin_programmes import programme_editable as programme_editable  # re-exported
from .models import DocumentTemplate
from .models.visits import HealthProgramme, ProgrammePoint
from .services.programmes import programme_create_draft, programme_publish


class ProgrammePointInline(ProgrammeChildInlineMixin, admin.TabularInline):
    model = ProgrammePoint
    fields = ["order", "label", "school_type", "grade", "alternative_grade", "template"]
    ordering = ["order"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            templates = DocumentTemplate.objects.filter(area="EMI")
            if not request.user.is_superuser:
                organisation_id = admin_organisation_id(request)
                own = Q(organisation_id=organisation_id) if organisation_id else Q(pk__in=[])
                templates = templates.filter(own | Q(organisation__isnull=True))
            kwargs["queryset"] = templates.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(HealthProgramme)
class HealthProgrammeAdmin(VersionedProgrammeAdmin):
    fields = ["name", "organisation", "number", "status", "published_at", "change_note"]
    inlines = [ProgrammePointInline]
    national_label = _("Nationellt basprogram")
    create_draft = staticmethod(programme_create_draft)
    publish_draft = staticmethod(programme_publish)
