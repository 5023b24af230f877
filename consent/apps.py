from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Åtkomst och samtycke")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .dbroles import grant_after_migrate, register_protected_tables
        from .portal import sections_consents  # noqa: F401  (the portal's consent section)

        register_protected_tables()
        # Once, for this app: post_migrate is sent after every app's migrations have run.
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="consent_grants")
