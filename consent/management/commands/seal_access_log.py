"""Seal the access log's older rows into the HMAC chain (periodic job; idempotent)."""

from django.core.management.base import BaseCommand

from consent.sealing import BATCH_SIZE, seal_access_log


class Command(BaseCommand):
    help = (
        "Förseglar loggposter äldre än horisonten (ACCESS_LOG_SEAL_HORIZON_SECONDS) i en kedja "
        "av HMAC-länkar. Kan köras hur ofta som helst; redan förseglade rader rörs inte."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="Högst så många rader per sigill.",
        )

    def handle(self, *args, batch_size, **options):
        seals = seal_access_log(batch_size=batch_size)
        rows = sum(seal.row_count for seal in seals)
        if seals:
            self.stdout.write(
                f"Förseglade {rows} loggposter i {len(seals)} sigill "
                f"(id {seals[0].first_id + 1}–{seals[-1].last_id}); "
                f"senaste länk {seals[-1].head}."
            )
        else:
            self.stdout.write("Inga nya loggposter att försegla.")
