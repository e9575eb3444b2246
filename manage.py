#!/usr/bin/env python3
"""Django's command-line utility for the Partnership Program Registry.

On a fresh machine, ``python3 manage.py quickstart`` builds ``.venv`` and
serves the site with demo data, and ``python3 manage.py test`` runs the test
suite (pytest; arguments pass through). See ``registry_site/bootstrap.py``.
"""

import os
import sys

from registry_site.bootstrap import ensure_environment


def main() -> None:
    ensure_environment(sys.argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
