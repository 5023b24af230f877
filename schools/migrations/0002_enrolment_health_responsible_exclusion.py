"""PostgreSQL only: no two health-responsible enrolments of a student may overlap in time.

SQLite has no exclusion constraints; there ``Enrolment.clean`` and the partial unique
constraint on open enrolments carry the rule (see README, "SQLite demo").
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE schools_enrolment
  ADD CONSTRAINT enrolment_health_responsible_no_overlap
  EXCLUDE USING gist (
    student_id WITH =,
    daterange(start_date, end_date, '[]') WITH &&
  ) WHERE (is_health_responsible);
"""
DROP = "ALTER TABLE schools_enrolment DROP CONSTRAINT IF EXISTS enrolment_health_responsible_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
