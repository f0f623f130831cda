"""`python -m civility` runs the CLI."""

import sys

from civility.cli import main

sys.exit(main())
