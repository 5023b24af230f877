"""Registry import: one service applies school-register changes from any source (CSV now,
SS12000 next). Sources turn their input into the records of ``records.py``; ``services``
applies a ``Batch`` and reports what it created, changed, ended and refused."""
