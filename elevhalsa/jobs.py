"""Background jobs, one way: idempotent management commands started by ``run_due_jobs``.

A job is a management command plus an interval. Every app registers its jobs in its own
``jobs.py`` (found with ``autodiscover_modules("jobs")``, as the admin finds ``admin.py``)::

    from datetime import timedelta
    from elevhalsa.jobs import register_job

    register_job("seal_access_log", "seal_access_log", every=timedelta(minutes=5))

``manage.py run_due_jobs`` starts each job whose last finished run (ok or failed) started longer
ago than its interval, records a ``JobRun`` per run (start, end, outcome, output or traceback with
identity numbers masked), keeps going when one job fails, and exits 1 if any job failed. A job
that is still running (a ``RUNNING`` row younger than the job's timeout) is not started again;
an older ``RUNNING`` row is taken for a crashed run and closed as failed. Commands must be
idempotent: a job may run late, twice after a crash, or be forced with ``--job``.

``settings.JOB_INTERVALS_MINUTES = {"clearsessions": 60}`` overrides an interval per installation.

How production runs it (details and a systemd example in docs/operations.md): every few
minutes from cron or a systemd timer, as the application user, with the production settings::

    */5 * * * * cd /srv/elevhalsa && DJANGO_SETTINGS_MODULE=elevhalsa.settings.production \
        .venv/bin/python manage.py run_due_jobs >>/var/log/elevhalsa/jobs.log 2>&1

The demo runs ``manage.py run_due_jobs --loop 60`` in the background instead.
"""

from __future__ import annotations

import io
import traceback
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import BaseCommand, call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from schools.identity import mask_identity_numbers

from .models import JobRun

DEFAULT_TIMEOUT = timedelta(hours=2)
MAX_OUTPUT_CHARS = 20_000
ABANDONED_TEXT = "Körningen avslutades aldrig (processen dog eller tidsgränsen passerades)."


@dataclass(frozen=True)
class Job:
    name: str
    command: str | BaseCommand  # a command name, or an instance (tests)
    every: timedelta
    args: tuple[str, ...] = ()
    # A RUNNING row younger than this blocks a second start; an older one counts as crashed.
    timeout: timedelta = field(default=DEFAULT_TIMEOUT)

    @property
    def interval(self) -> timedelta:
        minutes = getattr(settings, "JOB_INTERVALS_MINUTES", {}).get(self.name)
        return timedelta(minutes=minutes) if minutes is not None else self.every


_registry: dict[str, Job] = {}


def register_job(
    name: str,
    command: str | BaseCommand,
    *,
    every: timedelta,
    args: Sequence[str] = (),
    timeout: timedelta = DEFAULT_TIMEOUT,
) -> Job:
    job = Job(name=name, command=command, every=every, args=tuple(args), timeout=timeout)
    existing = _registry.get(name)
    if existing is not None and existing != job:
        raise ImproperlyConfigured(f"Two different jobs are registered as {name!r}.")
    _registry[name] = job
    return job


def registered_jobs() -> list[Job]:
    autodiscover_modules("jobs")
    return sorted(_registry.values(), key=lambda job: job.name)


def get_job(name: str) -> Job | None:
    autodiscover_modules("jobs")
    return _registry.get(name)


def last_finished_run(job: Job) -> JobRun | None:
    return (
        JobRun.objects.filter(job=job.name)
        .exclude(outcome=JobRun.Outcome.RUNNING)
        .order_by("-started_at")
        .first()
    )


def is_due(job: Job, *, now=None) -> bool:
    now = now or timezone.now()
    last = last_finished_run(job)
    return last is None or last.started_at <= now - job.interval


def _lock_job(job: Job) -> None:
    """Serialise claims of one job across processes, until the claim transaction ends.

    PostgreSQL: a transaction-level advisory lock (select_for_update cannot lock the row that
    does not exist yet on a job's first run). SQLite: the UPDATE that follows is the
    transaction's first statement, so it takes SQLite's single write lock (waiting for it)
    before anything is read.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"elevhalsa.jobs:{job.name}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def claim(job: Job, *, force: bool = False, now=None) -> JobRun | None:
    """Create the RUNNING row of a new run, or return None when the job must not start now."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_job(job)
        JobRun.objects.filter(
            job=job.name, outcome=JobRun.Outcome.RUNNING, started_at__lte=now - job.timeout
        ).update(outcome=JobRun.Outcome.FAILED, finished_at=now, output=ABANDONED_TEXT)
        if JobRun.objects.filter(job=job.name, outcome=JobRun.Outcome.RUNNING).exists():
            return None
        if not force and not is_due(job, now=now):
            return None
        return JobRun.objects.create(job=job.name, started_at=now, outcome=JobRun.Outcome.RUNNING)


def run_job(job: Job, *, force: bool = False, now=None) -> JobRun | None:
    """Run one job if it may start; record the outcome. Never raises for the job's failure."""
    run = claim(job, force=force, now=now)
    if run is None:
        return None
    buffer = io.StringIO()
    try:
        call_command(job.command, *job.args, stdout=buffer, stderr=buffer)
    except (Exception, SystemExit):
        buffer.write(traceback.format_exc())
        run.outcome = JobRun.Outcome.FAILED
    else:
        run.outcome = JobRun.Outcome.OK
    output = mask_identity_numbers(buffer.getvalue())
    if len(output) > MAX_OUTPUT_CHARS:
        output = "…\n" + output[-MAX_OUTPUT_CHARS:]
    run.output = output
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "output", "finished_at"])
    return run


def run_due_jobs(*, only: str | None = None, now=None) -> list[JobRun]:
    """Run every due job (or force the one named ``only``); return the runs that started."""
    if only is not None:
        job = get_job(only)
        if job is None:
            raise KeyError(only)
        jobs, force = [job], True
    else:
        jobs, force = registered_jobs(), False
    runs = []
    for job in jobs:
        run = run_job(job, force=force, now=now)
        if run is not None:
            runs.append(run)
    return runs


# Django's own housekeeping: expired sessions out of the session table.
register_job("clearsessions", "clearsessions", every=timedelta(days=1))
