"""``python -m demandmodel``."""

import sys

from demandmodel.cli import main

sys.exit(main())
