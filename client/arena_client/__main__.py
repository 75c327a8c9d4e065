"""python -m arena_client: the same as the `arena` command."""

import sys

from arena_client.cli import main

sys.exit(main())
