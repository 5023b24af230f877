"""Periodic jobs of the journal (see elevhalsa.jobs)."""

from datetime import timedelta

from elevhalsa.jobs import register_job

# The national vaccination register wants electronic reports daily (R-VAC-4).
register_job("export_register_reports", "export_register_reports", every=timedelta(days=1))
