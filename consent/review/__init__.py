"""Access-log review (loggkontroll, issue 11): whose log a reviewer sees, suspicion checks,
random samples, and the permissions overview (behörighetsöversikt).

Who: a user holding the ``log_reviewer`` organisation role in her organisation; nobody else,
registry admins included (they administer who may read; reviewing it is a separate duty).

Whose rows: the reviewer's organisation's part of the log (``reviewed_log``): the accesses made
BY its staff (the row's organisation), and the accesses BY ANYONE to the students whose records
it holds. The organisation *holds* a student's records when the student has, or has had, an
enrolment at one of its schools (current or past: the record stays with the care provider).
"""
