"""Print the current second-factor code of a demo account (the published demo secret only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from elevhalsa.auth.demo import current_code, is_demo_device
from elevhalsa.models import User


class Command(BaseCommand):
    help = "Skriver ut den aktuella inloggningskoden för ett demokonto (demonyckeln)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="Demokontots användarnamn, t.ex. skolskoterska.bjork")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Kör även när DEBUG är av (en demoserver). Aldrig i produktion.",
        )

    def handle(self, *args, username, allow_without_debug, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "DEBUG är av: kommandot är bara till för demokonton. "
                "Kör med --allow-without-debug om detta verkligen är en demoserver."
            )
        user = User.objects.filter(username=username).first()
        devices = TOTPDevice.objects.filter(user=user, confirmed=True) if user else []
        demo = [device for device in devices if is_demo_device(device)]
        if not demo:
            # The same answer for an unknown user and a real one: no hint either way.
            raise CommandError(f"{username} har ingen demonyckel; koden visas bara för demokonton.")
        self.stdout.write(current_code(demo[0]))
