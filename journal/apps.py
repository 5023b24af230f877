from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Journal")

    def ready(self):
        from consent.dbroles import protect_table

        # Loaded code lists never change: a new file is a new version.
        protect_table(self.get_model("Code"))
