"""Indexes for the access-log review (issue 11).

* BRIN on accesslogentry.at, PostgreSQL only: the log is appended in time order, so a block
  range index answers period filters over millions of rows at a tiny fraction of a B-tree's size.
* (organisation_id, at): the reviewer's "accesses by our staff" half of ``reviewed_log`` and the
  per-period checks. Plain SQL on both backends, kept out of the model state on purpose (the
  model file belongs to the access-log module); dropped on reverse.
"""

from django.db import migrations


def _brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS accesslog_at_brin ON consent_accesslogentry USING brin (at)"
        )


def _drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS accesslog_at_brin")


class Migration(migrations.Migration):
    dependencies = [("consent", "0007_log_review_and_blocks")]

    operations = [
        migrations.RunPython(_brin, _drop_brin, elidable=False),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS accesslog_org_at "
            "ON consent_accesslogentry (organisation_id, at)",
            "DROP INDEX IF EXISTS accesslog_org_at",
        ),
    ]
