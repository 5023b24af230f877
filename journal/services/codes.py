"""Loading and activating code lists (KVÅ, ICD-10-SE); the file format is in docs/code-lists.md.

``code_list_load`` reads one tab-separated text file (UTF-8 or Windows-1252), refuses the whole
file with every bad line's number if any line is bad, and otherwise writes one new
``CodeListVersion`` with its codes in bulk. The same file again (same SHA-256) is the same
version: nothing new is written. ``code_list_activate`` switches a system's active version.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction

from journal.models.codes import (
    Code,
    CodeListVersion,
    CodeSystem,
    normalise_code,
    validate_code_shape,
)

# Header names accepted for each column (compared case-insensitively); other columns are ignored.
CODE_COLUMNS = frozenset({"kod", "code"})
TITLE_COLUMNS = frozenset({"titel", "title", "text", "kodtext", "benämning"})
GROUP_COLUMNS = frozenset({"grupp", "group", "kapitel", "chapter"})
ENCODINGS = ("utf-8-sig", "cp1252")  # tried in this order unless one is named
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}
MAX_ERRORS_SHOWN = 25
BATCH_SIZE = 2000
TITLE_MAX = Code._meta.get_field("title").max_length
GROUP_MAX = Code._meta.get_field("group").max_length


class CodeFileError(Exception):
    """The file cannot be loaded; ``errors`` are messages that name their line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        text = "\n".join(shown)
        if more:
            text += f"\n… och {more} fel till."
        super().__init__(text)


@dataclass(frozen=True)
class ParsedCode:
    line: int
    code: str
    title: str
    group: str
    is_selectable: bool = True


@dataclass(frozen=True)
class ParsedFile:
    codes: list[ParsedCode]
    encoding: str  # as shown to people: "UTF-8" or "Windows-1252"


@dataclass(frozen=True)
class LoadResult:
    version: CodeListVersion
    created: bool  # False: this file was loaded before, nothing new was written
    activated: bool  # the call made the version active


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding's display name. Without ``encoding``: UTF-8 if the bytes are
    valid UTF-8 (a BOM is dropped), else Windows-1252 (Excel's "Text (tabbavgränsad)")."""
    if encoding:
        try:
            candidates: tuple[str, ...] = (codecs.lookup(encoding).name,)
        except LookupError:
            raise CodeFileError([f"Okänd teckenkodning: {encoding}."]) from None
    else:
        candidates = ENCODINGS
    error = None
    for candidate in candidates:
        try:
            return data.decode(candidate), ENCODING_NAMES.get(candidate, candidate)
        except UnicodeDecodeError as exc:
            error = exc
    line = data[: error.start].count(b"\n") + 1
    tried = " eller ".join(ENCODING_NAMES.get(c, c) for c in candidates)
    raise CodeFileError([f"Rad {line}: tecknen går inte att läsa som {tried}."])


def parse_code_file(data: bytes, system: str, *, encoding: str | None = None) -> ParsedFile:
    """Every code of the file, or ``CodeFileError`` with every bad line."""
    text, encoding_name = decode(data, encoding)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    errors: list[str] = []
    columns: dict[str, int] | None = None
    codes: list[ParsedCode] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in raw.split("\t")]
        if columns is None:
            columns, header_errors = _header(cells, number)
            if header_errors:
                raise CodeFileError(header_errors)
            continue
        parsed, error = _row(cells, columns, number, system)
        if error:
            errors.append(error)
            continue
        if parsed.code in seen:
            errors.append(
                f"Rad {number}: koden {parsed.code} finns redan på rad {seen[parsed.code]}."
            )
            continue
        seen[parsed.code] = number
        codes.append(parsed)
    if columns is None:
        errors.append("Filen saknar rubrikrad (kod, titel och ev. grupp, tabbavgränsade).")
    elif not codes and not errors:
        errors.append("Filen innehåller inga koder.")
    if errors:
        raise CodeFileError(errors)
    return ParsedFile(codes=_mark_selectable(codes), encoding=encoding_name)


def _header(cells: list[str], number: int) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.lower()
        for key, accepted in (
            ("code", CODE_COLUMNS),
            ("title", TITLE_COLUMNS),
            ("group", GROUP_COLUMNS),
        ):
            if name in accepted and key not in columns:
                columns[key] = index
    missing = [label for key, label in (("code", "kod"), ("title", "titel")) if key not in columns]
    if missing:
        found = ", ".join(repr(c) for c in cells)
        return columns, [
            f"Rad {number}: rubrikraden saknar kolumnen {' och '.join(missing)} "
            f"(hittade {found}; kolumnerna ska skiljas med tabb)."
        ]
    return columns, []


def _row(cells, columns, number, system) -> tuple[ParsedCode | None, str | None]:
    needed = max(columns["code"], columns["title"]) + 1
    if len(cells) < needed:
        return None, (
            f"Rad {number}: {len(cells)} kolumn(er), minst {needed} väntades "
            "(kolumnerna ska skiljas med tabb)."
        )
    code = normalise_code(system, cells[columns["code"]])
    title = cells[columns["title"]]
    group_index = columns.get("group")
    group = cells[group_index] if group_index is not None and group_index < len(cells) else ""
    if not code:
        return None, f"Rad {number}: koden saknas."
    try:
        validate_code_shape(system, code)
    except ValidationError as error:
        return None, f"Rad {number}: {error.messages[0]}"
    if not title:
        return None, f"Rad {number}: benämningen saknas för {code}."
    if len(title) > TITLE_MAX:
        return None, f"Rad {number}: benämningen för {code} är längre än {TITLE_MAX} tecken."
    if len(group) > GROUP_MAX:
        return None, f"Rad {number}: gruppen för {code} är längre än {GROUP_MAX} tecken."
    return ParsedCode(line=number, code=code, title=title, group=group), None


def _mark_selectable(codes: list[ParsedCode]) -> list[ParsedCode]:
    """A code with subcodes in the file (J45 when J45.9 is there) is a heading, not selectable.
    In sorted order a code's extensions come right after it, so one look ahead is enough."""
    ordered = sorted(codes, key=lambda c: c.code)
    result = []
    for index, parsed in enumerate(ordered):
        following = ordered[index + 1].code if index + 1 < len(ordered) else ""
        has_subcodes = following.startswith(parsed.code)
        result.append(
            ParsedCode(parsed.line, parsed.code, parsed.title, parsed.group, not has_subcodes)
        )
    return result


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def code_list_load(
    *,
    system: str,
    data: bytes,
    source_name: str,
    label: str | None = None,
    activate: bool = False,
    by=None,
    encoding: str | None = None,
) -> LoadResult:
    """Load one file as a new version of ``system`` (or find the version it already is)."""
    system = CodeSystem(system)
    sha256 = file_sha256(data)
    existing = CodeListVersion.objects.filter(system=system, sha256=sha256).first()
    if existing is not None:
        activated = activate and code_list_activate(version=existing, by=by)
        return LoadResult(version=existing, created=False, activated=activated)
    parsed = parse_code_file(data, system, encoding=encoding)
    label = (label or "").strip() or f"{system.label} {PurePath(source_name).stem}"
    if CodeListVersion.objects.filter(system=system, label=label).exists():
        raise CodeFileError(
            [f"Versionen {label!r} finns redan med en annan fil: välj ett annat namn (--version)."]
        )
    version = CodeListVersion(
        system=system,
        label=label,
        source_name=PurePath(source_name).name,
        sha256=sha256,
        loaded_by=by,
        code_count=len(parsed.codes),
    )
    version._history_user = by
    version.full_clean()
    version.save()
    Code.objects.bulk_create(
        (
            Code(
                version=version,
                code=c.code,
                title=c.title,
                group=c.group,
                is_selectable=c.is_selectable,
            )
            for c in parsed.codes
        ),
        batch_size=BATCH_SIZE,
    )
    activated = activate and code_list_activate(version=version, by=by)
    return LoadResult(version=version, created=True, activated=activated)


@transaction.atomic
def code_list_activate(*, version: CodeListVersion, by=None) -> bool:
    """Make ``version`` its system's only active version; False if it already was."""
    # Lock the system's versions: two activations at once end with exactly one active.
    versions = list(
        CodeListVersion.objects.select_for_update().filter(system=version.system).order_by("pk")
    )
    if any(v.pk == version.pk and v.is_active for v in versions):
        return False
    for other in versions:
        if other.is_active:
            other.is_active = False
            other._history_user = by
            other.save(update_fields=["is_active"])
    version.is_active = True
    version._history_user = by
    version.save(update_fields=["is_active"])
    return True
