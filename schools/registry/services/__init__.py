"""Apply a batch of school-register changes; confirm the assignments a source proposes.

``registry_apply`` makes the registry match one ``Batch`` (``records.py``) from one source:

* **Matching**: an entity is matched on its ``SourceLink`` (source, entity, source id) first;
  students and guardians then on identity number (personnummer/samordningsnummer, or the
  reserve number), classes on (school, school year, name), enrolments, class memberships and
  guardian relations on an open row for the same student and school / class / guardian. A
  matched row not yet linked gets its link.
* **Writes**: names, protected identity, address, contact data, periods. Never anything in the
  journal or consent apps (this module imports neither). Blank address, phone or e-mail in a
  record leave ours as they are (a CSV file has no such columns); a person with protected
  identity has the address cleared. Rows whose values already match are not written at all,
  so applying the same batch twice writes nothing and adds no history.
* **Temporary numbers** with letters (``20130101TF01``) are stored as ``reserve_number``, never
  as personnummer; a birth date is then required.
* **Ends**: an explicit end date ends the row. For the school units in
  ``complete_for_schools``, an enrolment or class membership linked to this source at one of
  them that the batch no longer has ends on ``as_of`` − 1 day (or on its start date if it had
  not started), and so does a guardian relation of a student the batch enrols at one of them.
  Nothing is deleted.
* **Health responsibility** around a move: see ``schools.registry.health``.
* **Duties** become ``ProposedAssignment`` rows (no care relation); ``assignment_confirm``
  creates the ``Assignment``. A duty that ends (end date, or absent from a complete batch)
  ends the proposal and its confirmed assignment.
* **Refusals** (an identity number that is invalid or missing, an unknown school unit or one
  of another organisation, an unknown student or guardian, a student in two classes of one
  school at once) are reported with the source id and row, identity numbers masked; the rest
  is applied.
* **Atomicity and speed**: every write of the batch happens in one transaction, so each
  entity's change (and the whole batch) is all or nothing; the run row is written outside it
  and survives a failure (status failed, error masked). Rows are read for the whole batch in a
  few queries (chunks of ``CHUNK``) and written with simple-history's bulk helpers, so the
  number of queries does not grow with the number of students beyond one per chunk.
"""

from .apply import CHUNK, _Apply, registry_apply
from .duties import assignment_confirm, assignment_reject

__all__ = ["CHUNK", "_Apply", "assignment_confirm", "assignment_reject", "registry_apply"]
