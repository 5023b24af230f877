from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElevhalsaConfig(AppConfig):
    name = "elevhalsa"
    verbose_name = _("Elevhälsa")
