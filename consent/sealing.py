"""Sealing the access log into a chain of HMAC-SHA256 heads, and verifying the chain.

Each ``LogSeal`` covers the exact rows with ``first_id < id <= last_id``: their count and a
SHA-256 over a canonical serialization of all their fields. Its head is
HMAC(ACCESS_LOG_SEAL_KEY, that seal + the previous head). The key lives in the environment, so
whoever can write the database still cannot forge a head: a deleted row shows as a count
mismatch of its seal, an edited row as a hash mismatch, a rewritten seal as a broken chain.
Sequence gaps are normal (rolled-back inserts); they are not errors.

**The horizon rule.** Ids are handed out when a row is inserted but become visible when its
transaction commits, so for a moment row N+1 can be visible while row N is not. Sealing past
an invisible row would leave it outside its seal's count forever. So a run seals only up to the
largest id among rows whose ``at`` (the database's clock at insert) is older than the horizon
(ACCESS_LOG_SEAL_HORIZON_SECONDS, default 600). Every log insert is the only statement of its
own durable transaction, and the database's ``statement_timeout`` and
``idle_in_transaction_session_timeout`` (settings, checked by consent.E002) end any such
transaction long before the horizon; so every row with a smaller id has committed or is gone.

The sealer only reads the log (plain SELECT, no row locks) and inserts seals; running it twice,
or two at once (``first_id`` is unique), seals nothing twice.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Now

from .models import AccessLogEntry, LogSeal

logger = logging.getLogger(__name__)

FORMAT = 1
GENESIS = "0" * 64
# Format 1 seals these fields, in this order. A new column on AccessLogEntry needs a new format
# (tests/consent/test_sealing.py fails until it is listed): old seals must keep verifying.
SEALED_FIELDS = (
    "id",
    "at",
    "user_id",
    "username",
    "student_id",
    "action",
    "reason",
    "organisation_id",
    "school_id",
    "record_type",
    "record_id",
    "view_name",
    "path",
    "protected",
)
BATCH_SIZE = 10_000


def _key(key: str | None) -> bytes:
    return (key if key is not None else settings.ACCESS_LOG_SEAL_KEY).encode()


def _horizon(horizon: datetime.timedelta | None) -> datetime.timedelta:
    if horizon is None:
        return datetime.timedelta(seconds=settings.ACCESS_LOG_SEAL_HORIZON_SECONDS)
    return horizon


def canonical_row(values: tuple) -> bytes:
    """One row as one line of compact JSON; datetimes in UTC with microseconds."""
    plain = [
        value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        if isinstance(value, datetime.datetime)
        else value
        for value in values
    ]
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def digest_rows(rows: Iterable[tuple]) -> tuple[int, str, int | None]:
    """(count, SHA-256 hex, last id) of rows given as ``SEALED_FIELDS`` tuples in id order."""
    sha = hashlib.sha256()
    count, last_id = 0, None
    for values in rows:
        sha.update(canonical_row(values))
        count += 1
        last_id = values[0]
    return count, sha.hexdigest(), last_id


def seal_head(
    key: bytes, *, first_id: int, last_id: int, row_count: int, rows_hash: str, previous_head: str
) -> str:
    message = json.dumps(
        {
            "format": FORMAT,
            "first_id": first_id,
            "last_id": last_id,
            "row_count": row_count,
            "rows_hash": rows_hash,
            "previous_head": previous_head,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _rows(first_id: int, last_id: int, limit: int | None = None):
    rows = (
        AccessLogEntry.objects.filter(id__gt=first_id, id__lte=last_id)
        .order_by("id")
        .values_list(*SEALED_FIELDS)
    )
    if limit is not None:
        rows = rows[:limit]
    return rows.iterator(chunk_size=2000)


def sealable_upper_id(horizon: datetime.timedelta | None = None) -> int | None:
    """The largest id among rows older than the horizon (by the database's clock)."""
    older = AccessLogEntry.objects.filter(at__lt=Now() - _horizon(horizon))
    return older.aggregate(upper=Max("id"))["upper"]


def seal_access_log(
    *,
    horizon: datetime.timedelta | None = None,
    key: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[LogSeal]:
    """Seal every unsealed row up to ``sealable_upper_id``; return the new seals (maybe none)."""
    key_bytes = _key(key)
    upper = sealable_upper_id(horizon)
    last = LogSeal.objects.order_by("-last_id").first()
    after, previous_head = (last.last_id, last.head) if last else (0, GENESIS)
    seals: list[LogSeal] = []
    while upper is not None and after < upper:
        count, rows_hash, last_id = digest_rows(_rows(after, upper, limit=batch_size))
        if not count:
            break
        seal = LogSeal(
            first_id=after,
            last_id=last_id,
            row_count=count,
            rows_hash=rows_hash,
            previous_head=previous_head,
            format=FORMAT,
        )
        seal.head = seal_head(
            key_bytes,
            first_id=after,
            last_id=last_id,
            row_count=count,
            rows_hash=rows_hash,
            previous_head=previous_head,
        )
        try:
            with transaction.atomic():
                seal.save(force_insert=True)
        except IntegrityError:
            logger.warning("Another sealer sealed from access-log id %s first; stopping.", after)
            break
        _publish(seal)
        seals.append(seal)
        after, previous_head = seal.last_id, seal.head
    return seals


def _file_line(seal: LogSeal) -> dict:
    return {
        "seal": seal.pk,
        "sealed_at": seal.sealed_at.astimezone(datetime.UTC).isoformat(),
        "first_id": seal.first_id,
        "last_id": seal.last_id,
        "row_count": seal.row_count,
        "rows_hash": seal.rows_hash,
        "previous_head": seal.previous_head,
        "head": seal.head,
    }


def _publish(seal: LogSeal) -> None:
    """Copy the head out of the database: the log stream (syslog/journald) and the seal file."""
    logger.info(
        "access-log seal %s covers (%s, %s] rows=%s head=%s",
        seal.pk,
        seal.first_id,
        seal.last_id,
        seal.row_count,
        seal.head,
    )
    if settings.ACCESS_LOG_SEAL_FILE:
        with open(settings.ACCESS_LOG_SEAL_FILE, "a", encoding="utf-8") as file:
            file.write(json.dumps(_file_line(seal), separators=(",", ":")) + "\n")
            file.flush()


@dataclass(frozen=True)
class Problem:
    seal_id: int | None
    kind: str  # "count", "hash", "chain", "file", "unsealed"
    detail: str

    def __str__(self) -> str:
        where = f"sigill {self.seal_id}" if self.seal_id is not None else "loggen"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class Verification:
    seals: int = 0
    rows: int = 0
    unsealed_old_rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def verify_access_log(
    *, horizon: datetime.timedelta | None = None, key: str | None = None
) -> Verification:
    """Recompute every seal and the chain; report mismatches in chain order, then old rows that
    are not sealed yet, then differences from the seal file."""
    key_bytes = _key(key)
    result = Verification()
    after, previous_head = 0, GENESIS
    for seal in LogSeal.objects.order_by("id").iterator():
        result.seals += 1
        span = f"({seal.first_id}, {seal.last_id}]"
        if seal.first_id != after or seal.previous_head != previous_head:
            result.problems.append(
                Problem(seal.pk, "chain", f"{span} följer inte på föregående sigill")
            )
        expected_head = seal_head(
            key_bytes,
            first_id=seal.first_id,
            last_id=seal.last_id,
            row_count=seal.row_count,
            rows_hash=seal.rows_hash,
            previous_head=seal.previous_head,
        )
        if not hmac.compare_digest(expected_head, seal.head):
            result.problems.append(
                Problem(seal.pk, "chain", f"{span} länken stämmer inte med nyckel och innehåll")
            )
        count, rows_hash, _ = digest_rows(_rows(seal.first_id, seal.last_id))
        result.rows += count
        if count != seal.row_count:
            result.problems.append(
                Problem(seal.pk, "count", f"{span} har {count} rader, förseglat {seal.row_count}")
            )
        elif rows_hash != seal.rows_hash:
            result.problems.append(Problem(seal.pk, "hash", f"{span} rader har ändrats"))
        after, previous_head = seal.last_id, seal.head

    upper = sealable_upper_id(horizon)
    if upper is not None and upper > after:
        result.unsealed_old_rows = AccessLogEntry.objects.filter(
            id__gt=after, id__lte=upper
        ).count()
        result.problems.append(
            Problem(
                None,
                "unsealed",
                f"{result.unsealed_old_rows} rader äldre än horisonten är inte förseglade "
                f"(id {after + 1}–{upper})",
            )
        )
    result.problems += _compare_with_file()
    return result


def _compare_with_file() -> list[Problem]:
    path = settings.ACCESS_LOG_SEAL_FILE
    if not path:
        return []
    in_file: dict[int, str] = {}
    if Path(path).exists():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                in_file[record["seal"]] = record["head"]
    problems = []
    in_database = dict(LogSeal.objects.values_list("id", "head"))
    for seal_id, head in sorted(in_database.items()):
        if seal_id not in in_file:
            problems.append(Problem(seal_id, "file", "saknas i sigillfilen"))
        elif in_file[seal_id] != head:
            problems.append(Problem(seal_id, "file", "länken skiljer sig från sigillfilen"))
    problems += [
        Problem(seal_id, "file", "finns i sigillfilen men inte i databasen")
        for seal_id in sorted(set(in_file) - set(in_database))
    ]
    return problems
