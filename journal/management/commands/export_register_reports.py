"""Write the pending reports to the national vaccination register to files and mark them sent
(UNVERIFIED FORMAT — not FHM's specification; see journal/register/nvr.py).

Idempotent, and run daily by the job runner (journal/jobs.py). The output names files and
counts, never a person.
"""

from django.core.management.base import BaseCommand

from journal.register.queue import export_pending


class Command(BaseCommand):
    help = (
        "Skriver rapporter som väntar till vaccinationsregistret till fil och markerar dem "
        "som skickade (OVERIFIERAT FORMAT: inte FHM:s specifikation)."
    )

    def handle(self, *args, **options):
        result = export_pending()
        if not result.files:
            self.stdout.write("Inga rapporter att skicka.")
            return
        for path in result.files:
            self.stdout.write(f"Skrev {path}")
        self.stdout.write(f"{result.reports} rapporter markerade som skickade.")
