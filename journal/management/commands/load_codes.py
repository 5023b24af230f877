"""Load a KVÅ or ICD-10-SE file as a new code-list version (docs/code-lists.md).

Idempotent: the same file again finds the version it already is and writes nothing new (with
``--activate`` it is made active if it was not). Any bad line refuses the whole file, with every
bad line's number.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from journal.models.codes import CodeSystem
from journal.services.codes import CodeFileError, code_list_load


class Command(BaseCommand):
    help = "Läser in en kodlista (KVÅ eller ICD-10-SE) från Socialstyrelsens textfil."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # "--version" names the code-list version here: it replaces Django's "--version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--system", required=True, choices=CodeSystem.values)
        parser.add_argument(
            "--version",
            dest="label",
            metavar="LABEL",
            help="Versionens namn, t.ex. ”KVÅ 2026” (annars kodverket och filnamnet).",
        )
        parser.add_argument(
            "--activate",
            action="store_true",
            help="Gör versionen till kodverkets aktiva version.",
        )
        parser.add_argument(
            "--encoding",
            help="Filens teckenkodning (annars UTF-8, och Windows-1252 om UTF-8 inte går).",
        )

    def handle(self, *args, file: Path, system: str, label, activate, encoding, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen kan inte läsas: {error.strerror}.") from None
        try:
            result = code_list_load(
                system=system,
                data=data,
                source_name=file.name,
                label=label,
                activate=activate,
                encoding=encoding,
            )
        except CodeFileError as error:
            raise CommandError(f"{file.name} lästes inte in:\n{error}") from None
        version = result.version
        if result.created:
            self.stdout.write(f"Inläst: {version.label} ({version.code_count} koder).")
        else:
            self.stdout.write(f"Filen är redan inläst som {version.label}; inget nytt sparades.")
        if result.activated:
            self.stdout.write(f"{version.label} är nu aktiv version.")
        elif not version.is_active:
            self.stdout.write(f"{version.label} är inte aktiv (aktivera med --activate).")
