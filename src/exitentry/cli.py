"""The `exitentry` command: Django management with hyphenated verbs.

`exitentry seed-demo` runs the `seed_demo` management command; every other Django command
(`exitentry migrate`, `exitentry createsuperuser`) works as with manage.py.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitentry.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "exitentry"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
