"""Run the background jobs that are due (see elevhalsa.jobs and docs/operations.md)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from elevhalsa import jobs
from elevhalsa.models import JobRun


class Command(BaseCommand):
    help = (
        "Startar de periodiska jobb som står på tur, loggar varje körning som JobRun och "
        "avslutar med felkod 1 om något jobb misslyckades."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--loop",
            type=int,
            metavar="SECONDS",
            help="Kör om och om igen med så många sekunders mellanrum (demo).",
        )
        group.add_argument(
            "--job", metavar="NAME", help="Kör detta jobb nu, även om det inte är på tur."
        )
        group.add_argument(
            "--list",
            dest="show_list",
            action="store_true",
            help="Lista jobben och deras senaste körning.",
        )

    def handle(self, *args, loop=None, job=None, show_list=False, **options):
        if show_list:
            self.list_jobs()
            return
        if loop is not None:
            if loop < 1:
                raise CommandError("--loop behöver minst 1 sekund.")
            self.run_forever(loop)
            return
        if job is not None and jobs.get_job(job) is None:
            names = ", ".join(j.name for j in jobs.registered_jobs()) or "-"
            raise CommandError(f"Okänt jobb {job!r}. Registrerade jobb: {names}")
        failed = self.run_once(only=job)
        if failed:
            raise CommandError(f"Misslyckade jobb: {', '.join(failed)}")

    def run_once(self, *, only=None) -> list[str]:
        failed = []
        for run in jobs.run_due_jobs(only=only):
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(f"{run.job}: {run.get_outcome_display()} ({seconds:.1f} s)")
            if run.outcome == JobRun.Outcome.FAILED:
                failed.append(run.job)
        return failed

    def run_forever(self, seconds: int) -> None:
        self.stdout.write(f"Kör jobben som står på tur var {seconds}:e sekund (Ctrl-C avslutar).")
        try:
            while True:
                close_old_connections()
                try:
                    self.run_once()
                except Exception as exc:  # the loop survives e.g. a database restart
                    # The class name only: a message may quote data that does not belong in logs.
                    self.stderr.write(f"run_due_jobs: {type(exc).__name__}; försöker igen.")
                time.sleep(seconds)
        except KeyboardInterrupt:
            return

    def list_jobs(self) -> None:
        now = timezone.now()
        for job in jobs.registered_jobs():
            last = jobs.last_finished_run(job)
            if last is None:
                state = "aldrig körd; på tur nu"
            else:
                when = timezone.localtime(last.started_at).strftime("%Y-%m-%d %H:%M")
                due = "på tur nu" if jobs.is_due(job, now=now) else "inte på tur"
                state = f"senast {when} {last.get_outcome_display()}; {due}"
            self.stdout.write(
                f"{job.name:<24} {job.command if isinstance(job.command, str) else '-':<24} "
                f"var {_format_interval(job.interval)}  {state}"
            )


def _format_interval(interval) -> str:
    minutes = int(interval.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
