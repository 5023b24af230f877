"""Load a growth reference from a folder: manifest.json and one CSV per measure and sex
(format in ``journal.growth.loading``). A Swedish reference is added this way, as data.

All or nothing: any bad file or line refuses the whole folder. A reference whose code and
version are already loaded is refused (a new edition is a new version)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from journal.growth.loading import ReferenceFolderError, create_reference, read_reference_folder
from journal.growth.reference import clear_cache
from journal.models import GrowthLmsPoint, GrowthLmsTable, GrowthReference


class Command(BaseCommand):
    help = (
        "Läser in en tillväxtreferens (LMS-tabeller) från en mapp med manifest.json och CSV-filer."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            data = read_reference_folder(folder)
        except ReferenceFolderError as error:
            raise CommandError(f"{folder.name} lästes inte in: {error}") from None
        with transaction.atomic():
            if GrowthReference.objects.filter(code=data.code, version=data.version).exists():
                raise CommandError(
                    f"{data.name} version {data.version} är redan inläst; inget nytt sparades."
                )
            reference = create_reference(
                data,
                reference_model=GrowthReference,
                table_model=GrowthLmsTable,
                point_model=GrowthLmsPoint,
            )
        clear_cache()  # the points came by bulk_create, which sends no signals
        points = sum(len(table.rows) for table in data.tables)
        self.stdout.write(
            f"Inläst: {reference} ({len(data.tables)} tabeller, {points} LMS-värden)."
        )
