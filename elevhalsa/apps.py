from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElevhalsaConfig(AppConfig):
    name = "elevhalsa"
    verbose_name = _("Elevhälsa")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from consent.dbroles import protect_table

        from .auth.session import remember_login
        from .logging import install_masking_record_factory

        install_masking_record_factory()
        user_logged_in.connect(remember_login, dispatch_uid="elevhalsa.auth.remember_login")
        protect_table(self.get_model("AuthEvent"))  # append-only for the application role
