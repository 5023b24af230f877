"""The job runner: due and not due, failures recorded without stopping others, masked output."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import BaseCommand, CommandError, call_command
from django.utils import timezone

from elevhalsa import jobs
from elevhalsa.models import JobRun
from schools.identity import IDENTITY_NUMBER_RE

IDENTITY_NUMBER = "20150314-2380"  # synthetic, valid format


class SaysHello(BaseCommand):
    def handle(self, *args, **options):
        self.stdout.write("hej")


class Fails(BaseCommand):
    def handle(self, *args, **options):
        raise ValueError(f"kunde inte läsa elev {IDENTITY_NUMBER}")


class PrintsIdentityNumber(BaseCommand):
    def handle(self, *args, **options):
        self.stdout.write(f"importerade {IDENTITY_NUMBER} och 201503142380")


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test; clearsessions and other apps' jobs are out of it."""
    monkeypatch.setattr(jobs, "_registry", {})
    return jobs._registry


def _run(job: str, *, ago: timedelta, outcome=JobRun.Outcome.OK) -> JobRun:
    started = timezone.now() - ago
    return JobRun.objects.create(job=job, started_at=started, finished_at=started, outcome=outcome)


def test_clearsessions_is_registered_daily():
    job = jobs.get_job("clearsessions")
    assert job is not None
    assert job.command == "clearsessions"
    assert job.every == timedelta(days=1)


def test_a_job_never_run_is_due_and_runs(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(hours=1))
    call_command("run_due_jobs")
    run = JobRun.objects.get(job="hello")
    assert run.outcome == JobRun.Outcome.OK
    assert run.output.strip() == "hej"
    assert run.finished_at >= run.started_at


def test_a_job_run_within_its_interval_is_not_due(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(hours=1))
    _run("hello", ago=timedelta(minutes=30))
    call_command("run_due_jobs")
    assert JobRun.objects.filter(job="hello").count() == 1


def test_a_job_whose_last_run_is_older_than_its_interval_is_due(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(hours=1))
    _run("hello", ago=timedelta(minutes=61))
    call_command("run_due_jobs")
    assert JobRun.objects.filter(job="hello").count() == 2


def test_a_failed_run_also_counts_as_the_last_run(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(hours=1))
    _run("hello", ago=timedelta(minutes=30), outcome=JobRun.Outcome.FAILED)
    call_command("run_due_jobs")
    assert JobRun.objects.filter(job="hello").count() == 1


def test_the_interval_can_be_overridden_in_settings(db, registry, settings):
    jobs.register_job("hello", SaysHello(), every=timedelta(days=1))
    _run("hello", ago=timedelta(minutes=30))
    settings.JOB_INTERVALS_MINUTES = {"hello": 10}
    call_command("run_due_jobs")
    assert JobRun.objects.filter(job="hello").count() == 2


def test_a_failing_job_is_recorded_and_the_others_still_run(db, registry):
    jobs.register_job("a_fails", Fails(), every=timedelta(hours=1))
    jobs.register_job("b_hello", SaysHello(), every=timedelta(hours=1))
    with pytest.raises(CommandError, match="a_fails"):
        call_command("run_due_jobs")
    failed = JobRun.objects.get(job="a_fails")
    assert failed.outcome == JobRun.Outcome.FAILED
    assert "ValueError" in failed.output
    assert failed.finished_at is not None
    assert JobRun.objects.get(job="b_hello").outcome == JobRun.Outcome.OK


def test_the_exit_code_is_non_zero_when_a_job_fails(db, registry):
    jobs.register_job("a_fails", Fails(), every=timedelta(hours=1))
    with pytest.raises(CommandError) as raised:
        call_command("run_due_jobs")
    assert raised.value.returncode == 1


def test_identity_numbers_are_masked_in_output_and_tracebacks(db, registry):
    jobs.register_job("prints", PrintsIdentityNumber(), every=timedelta(hours=1))
    jobs.register_job("fails", Fails(), every=timedelta(hours=1))
    with pytest.raises(CommandError):
        call_command("run_due_jobs")
    for run in JobRun.objects.all():
        assert not IDENTITY_NUMBER_RE.search(run.output), run.job
        assert "[identitetsnummer]" in run.output


def test_job_option_forces_a_job_that_is_not_due(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(days=1))
    jobs.register_job("other", SaysHello(), every=timedelta(days=1))
    _run("hello", ago=timedelta(minutes=1))
    call_command("run_due_jobs", job="hello")
    assert JobRun.objects.filter(job="hello").count() == 2
    assert not JobRun.objects.filter(job="other").exists()


def test_job_option_with_an_unknown_name_is_an_error(db, registry):
    with pytest.raises(CommandError, match="Okänt jobb"):
        call_command("run_due_jobs", job="nope")


def test_a_running_job_is_not_started_again_even_when_forced(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(minutes=1))
    _run("hello", ago=timedelta(minutes=5), outcome=JobRun.Outcome.RUNNING)
    call_command("run_due_jobs")
    call_command("run_due_jobs", job="hello")
    assert JobRun.objects.filter(job="hello").count() == 1


def test_a_running_row_older_than_the_timeout_is_closed_as_failed(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(minutes=1), timeout=timedelta(hours=1))
    stale = _run("hello", ago=timedelta(hours=3), outcome=JobRun.Outcome.RUNNING)
    call_command("run_due_jobs")
    stale.refresh_from_db()
    assert stale.outcome == JobRun.Outcome.FAILED
    assert stale.output == jobs.ABANDONED_TEXT
    assert JobRun.objects.filter(job="hello", outcome=JobRun.Outcome.OK).count() == 1


def test_list_shows_jobs_and_their_last_run(db, registry):
    jobs.register_job("hello", SaysHello(), every=timedelta(hours=1))
    out = io.StringIO()
    call_command("run_due_jobs", show_list=True, stdout=out)
    assert "hello" in out.getvalue()
    assert not JobRun.objects.exists()


def test_registering_two_different_jobs_under_one_name_is_refused(registry):
    jobs.register_job("hello", "clearsessions", every=timedelta(hours=1))
    jobs.register_job("hello", "clearsessions", every=timedelta(hours=1))  # same: fine
    with pytest.raises(ImproperlyConfigured, match="hello"):
        jobs.register_job("hello", "clearsessions", every=timedelta(hours=2))


def test_clearsessions_runs_for_real(db):
    call_command("run_due_jobs", job="clearsessions")
    assert JobRun.objects.get(job="clearsessions").outcome == JobRun.Outcome.OK
