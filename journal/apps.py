from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Rows that are only ever added: at the database the application role may not change or delete
# them (consent.dbroles), and migration 0006 adds owner-proof triggers.
APPEND_ONLY_MODELS = ["EntryMark", "RecordCopy", "GrowthSharing"]
# Rows the application adds and updates (a trigger refuses it once the entry is signed) but never
# deletes. Not keyword values, codes and the vision record: saving a draft deletes an emptied
# value, a removed code and an emptied vision record (their history keeps them); the trigger
# refuses that too once the entry is signed. Alerts, orders and plans (migration 0008) likewise.
NO_DELETE_MODELS = [
    "JournalEntry",
    "Attachment",
    "Alert",
    "MedicationOrder",
    "SelfCarePlan",
    "HealthVisit",
    "ParentHeights",
    # Vaccinations (migration 0018): signed ordinations frozen, the register queue and sessions
    # kept. Not doses: saving a draft note deletes its emptied draft dose, and migration 0021's
    # trigger refuses every other delete.
    "Ordination",
    "RegisterReport",
    "VaccinationSession",
]


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Journal")

    def ready(self):
        from django.db.models.signals import m2m_changed

        from consent.dbroles import protect_table, protect_table_from_delete
        from consent.policy import register_student_marker

        from .services.alerts import alert_markers
        from .signals import refuse_codes_change_on_signed_entry

        # Loaded code lists never change: a new file is a new version.
        protect_table(self.get_model("Code"))
        for name in APPEND_ONLY_MODELS:
            protect_table(self.get_model(name))
        # History of every journal model (templates and code lists included): only added to.
        for model in self.get_models():
            if model.__name__.startswith("Historical"):
                protect_table(model)
        # Drafts are updated, signed rows refuse by trigger; entries are never deleted.
        for name in NO_DELETE_MODELS:
            protect_table_from_delete(self.get_model(name))
        m2m_changed.connect(
            refuse_codes_change_on_signed_entry,
            sender=self.get_model("JournalEntry").codes.through,
            dispatch_uid="journal_codes_signed",
        )
        # Height and weight keywords write growth measurements (journal.services.growth).
        from .services.growth import register_growth_writer

        register_growth_writer()
        from .services.vaccination_binding import register_vaccination_writer

        register_vaccination_writer()  # a vaccination note's dose
        from . import portal  # noqa: F401  (registers the portal's sections)

        # Lists of students (the class list) mark those with an active alert.
        register_student_marker(alert_markers)
