"""``python -m evalkit`` runs the ``evalkit`` command."""

import sys

from evalkit.cli import main

sys.exit(main())
