#!/usr/bin/env python
"""Compile every locale/*/LC_MESSAGES/*.po to .mo with polib, so no one needs GNU gettext.

The .mo files are committed: users run nothing. Developers run this after editing a .po file
(``makemessages`` to extract still needs GNU gettext, which only translators need).
Exit status 1 if any file has untranslated or fuzzy entries, so CI can insist on complete files.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogue(po_path: Path) -> list[str]:
    """Write the .mo beside ``po_path``; return the problems found (untranslated, fuzzy)."""
    catalogue = polib.pofile(str(po_path))
    problems = [f"untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    problems += [f"fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    # Fuzzy entries are left out of the .mo (as GNU msgfmt does), so they fall back to Swedish.
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    return problems


def main() -> int:
    po_files = sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po"))
    if not po_files:
        print("No .po files under locale/.", file=sys.stderr)
        return 1
    failed = False
    for po_path in po_files:
        problems = compile_catalogue(po_path)
        print(f"{po_path.relative_to(ROOT)}: compiled, {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
