"""`python -m prevalence` is the `prevalence` command."""

import sys

from prevalence.cli import main

sys.exit(main())
