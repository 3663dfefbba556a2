"""`python -m adapter.cli` and the `synapse-drs` console script."""

from __future__ import annotations

import sys

from adapter.cli.commands import main

if __name__ == "__main__":
    sys.exit(main())
