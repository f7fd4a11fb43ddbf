#!/usr/bin/env python
"""Django's command-line utility for Bangfu. `platform/` (a plain folder) goes on sys.path first."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main():
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(1, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
