"""The `jiuzhu` command: Django's manage.py under the project's name.

`jiuzhu idnumber check ...`, `jiuzhu synth population ...`, `jiuzhu runserver` etc. are all
Django management commands, so every command shares settings, logging and translations.
"""
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
