"""Periodic jobs of the access log (see elevhalsa.jobs)."""

from datetime import timedelta

from elevhalsa.jobs import register_job

register_job("seal_access_log", "seal_access_log", every=timedelta(minutes=5))
# A failed verification shows as a failed job in the admin's job-run list.
register_job("verify_access_log", "verify_access_log", every=timedelta(days=1))
