"""The frozen bundle's entry script: the same ``main`` as ``spyglass`` and ``python -m app``."""

import sys

from app.__main__ import main

sys.exit(main())
