#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kokudo.settings")
    from django.core.management import execute_from_command_line
    from multidb.pinning import pin_this_thread

    # Commands (migrate, load_catalogue, export_catalogue, reindex) read what they write: with a
    # replica configured, their reads go to the primary too. No effect without one.
    pin_this_thread()

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
