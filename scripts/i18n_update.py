"""Refresh the message catalogues: extract msgids (makemessages), then fill translations.

Usage: .venv/bin/python scripts/i18n_update.py [TSV ...]

- zh_Hans: msgstr from the given TSV files (msgid<TAB>译文) where the catalogue has none yet.
- en: msgids are English already; msgstr = msgid so the catalogue is complete.
Prints what is still missing; the test tests/core/test_catalogues.py fails while anything is.
"""
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "jiuzhu" / "locale"


def main(tsv_paths: list[str]) -> int:
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "jiuzhu"), "makemessages", "-l", "zh_Hans", "-l", "en",
         "--no-obsolete", "--no-location", "--ignore=.venv/*", "--ignore=var/*", "--ignore=tests/*"],
        cwd=ROOT / "jiuzhu", check=True,
    )
    translations: dict[str, str] = {}
    for path in tsv_paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                translations[msgid.strip().replace("\\n", "\n")] = msgstr.strip().replace("\\n", "\n")
    missing = 0
    for lang in ("zh_Hans", "en"):
        po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
        for entry in po:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
            if lang == "en":
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
                continue
            if entry.msgid_plural:
                if not entry.msgstr_plural.get(0):
                    zh = translations.get(entry.msgid)
                    if zh:
                        entry.msgstr_plural = {0: zh}
            elif not entry.msgstr and entry.msgid in translations:
                entry.msgstr = translations[entry.msgid]
            if not (entry.msgstr or entry.msgstr_plural.get(0)):
                missing += 1
                print(f"missing zh_Hans: {entry.msgid!r}")
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.metadata["Language"] = lang
        if lang == "zh_Hans":
            po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        po.save()
    print(f"{missing} zh_Hans entries without translation")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
