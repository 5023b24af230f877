"""The registry's scheduled jobs (elevhalsa.jobs): the CSV inbox import."""

from datetime import timedelta

from elevhalsa.jobs import register_job

# Does nothing (and says so) unless settings.REGISTRY_IMPORT_INBOX names a folder.
INBOX_JOB = register_job(
    "registry_import_inbox", "registry_import_inbox", every=timedelta(minutes=15)
)
