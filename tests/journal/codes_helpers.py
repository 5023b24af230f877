"""Small code-list files for the tests (tab-separated, docs/code-lists.md)."""

from journal.services.codes import code_list_load

KVA_ROWS = [
    ("DV111", "Enkla råd om tobaksbruk", "Levnadsvanor"),
    ("DV112", "Rådgivande samtal om tobaksbruk", "Levnadsvanor"),
    ("ZXA10", "Exempelkod med tre bokstäver", "Tillägg"),
]
ICD_ROWS = [
    ("J45", "Astma", "X"),
    ("J45.9", "Astma, ospecificerad", "X"),
    ("Z00.1", "Rutinmässig hälsokontroll av barn", "XXI"),
]


def code_file(rows, *, header=("kod", "titel", "grupp"), encoding="utf-8", newline="\n") -> bytes:
    lines = ["\t".join(header), *("\t".join(row) for row in rows)]
    return (newline.join(lines) + newline).encode(encoding)


def load(system="kva", rows=None, *, label=None, activate=True, **kwargs):
    rows = rows if rows is not None else (KVA_ROWS if system == "kva" else ICD_ROWS)
    return code_list_load(
        system=system,
        data=code_file(rows),
        source_name=f"{system}.txt",
        label=label,
        activate=activate,
        **kwargs,
    ).version
