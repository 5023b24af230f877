"""Import every CSV file in the inbox folder (settings.REGISTRY_IMPORT_INBOX): one subfolder
per organisation number; each file is moved to ``done/`` (or ``failed/``) once handled."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from schools.models import Organisation
from schools.registry.csv_source import csv_import

from .registry_import import write_preview


def _move(file: Path, folder: str) -> None:
    target = file.parent / folder
    target.mkdir(exist_ok=True)
    file.rename(target / f"{timezone.now():%Y%m%dT%H%M%S}-{file.name}")


class Command(BaseCommand):
    help = "Importerar alla CSV-filer i inkorgen REGISTRY_IMPORT_INBOX (en mapp per huvudman)."

    def handle(self, *args, **options):
        inbox = settings.REGISTRY_IMPORT_INBOX
        if not inbox:
            self.stdout.write("REGISTRY_IMPORT_INBOX är inte satt: ingen import.")
            return
        root = Path(inbox)
        if not root.is_dir():
            raise CommandError(f"Inkorgen {root} finns inte.")
        failed = []
        imported = 0
        for organisation in Organisation.objects.order_by("organisation_number"):
            folder = root / organisation.organisation_number
            for file in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
                self.stdout.write(f"{organisation.organisation_number}/{file.name}:")
                result, run = csv_import(data=file.read_bytes(), organisation=organisation)
                write_preview(self.stdout, result)
                if run is None:
                    failed.append(file.name)
                    _move(file, "failed")
                    continue
                imported += 1
                self.stdout.write(
                    f"Körning {run.pk}: {run.created} skapade, {run.changed} ändrade, "
                    f"{run.ended} avslutade, {run.refused} avvisade."
                )
                _move(file, "done")
        self.stdout.write(f"{imported} fil(er) importerade.")
        if failed:
            raise CommandError(f"Kunde inte läsas: {', '.join(failed)}")
