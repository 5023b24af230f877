"""Verify the access log against its HMAC chain; exit code 1 on any problem."""

from django.core.management.base import BaseCommand, CommandError

from consent.sealing import verify_access_log


class Command(BaseCommand):
    help = (
        "Räknar om varje sigill och kedjan av länkar, namnger den första avvikelsen (antal, "
        "hash, kedja) och rapporterar loggposter äldre än horisonten som inte är förseglade."
    )

    def handle(self, *args, **options):
        result = verify_access_log()
        if result.ok:
            self.stdout.write(f"Åtkomstloggen stämmer: {result.seals} sigill, {result.rows} rader.")
            return
        first = result.first_problem
        self.stderr.write(f"Första avvikelse: {first}")
        for problem in result.problems[1:]:
            self.stderr.write(f"Även: {problem}")
        raise CommandError(
            f"Åtkomstloggen stämmer inte ({len(result.problems)} avvikelser, "
            f"{result.seals} sigill kontrollerade)."
        )
