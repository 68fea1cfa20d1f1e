"""`python -m genlab` is the same as the `genlab` console script."""

import sys

from genlab.cli import main

sys.exit(main())
