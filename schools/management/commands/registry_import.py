"""Import a school-register CSV file (docs/registry-csv.md) for one organisation."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.identity import mask_identity_numbers
from schools.models import Organisation
from schools.registry.csv_source import CsvResult, csv_import, csv_preview


def write_preview(stdout, result: CsvResult) -> None:
    """Counts per school unit and every row error; identity numbers masked."""
    for school in result.school_summary():
        complete = "fullständig" if school["complete"] else "ej fullständig (inget avslutas)"
        stdout.write(
            f"{school['code']}: {school['rows']} rader, {school['students']} elever, "
            f"{school['classes']} klasser, {school['errors']} fel, {complete}"
        )
    if result.batch is not None:
        stdout.write(f"Vårdnadshavare: {len(result.batch.guardians)}")
    for error in result.errors:
        where = f"Rad {error.row}: " if error.row is not None else ""
        stdout.write(mask_identity_numbers(f"{where}{error.message}"))


class Command(BaseCommand):
    help = "Importerar en CSV-fil från elevregistret till en huvudmans register."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organisation",
            required=True,
            metavar="ORGNR",
            help="Huvudmannens organisationsnummer.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Visa bara vad filen innehåller; spara inget."
        )

    def handle(self, *args, file: Path, organisation: str, dry_run: bool, **options):
        found = Organisation.objects.filter(organisation_number=organisation).first()
        if found is None:
            raise CommandError(f"Ingen huvudman med organisationsnummer {organisation}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen kan inte läsas: {error.strerror}.") from None
        if dry_run:
            result = csv_preview(data=data, organisation=found)
            write_preview(self.stdout, result)
            self.stdout.write("Provkörning: inget sparades.")
            if result.batch is None:
                raise CommandError("Filen kan inte importeras.")
            return
        result, run = csv_import(data=data, organisation=found)
        write_preview(self.stdout, result)
        if run is None:
            raise CommandError("Filen kan inte importeras.")
        self.stdout.write(
            f"Körning {run.pk}: {run.created} skapade, {run.changed} ändrade, "
            f"{run.ended} avslutade, {run.refused} avvisade."
        )
