from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElevhalsaConfig(AppConfig):
    name = "elevhalsa"
    verbose_name = _("Elevhälsa")

    def ready(self):
        from .logging import install_masking_record_factory

        install_masking_record_factory()
