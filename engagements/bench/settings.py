"""The benchmark's settings: production's, plus the minimal page P2 compares against.

Only `make bench` runs a server with these (engagements/bench/server.py); the app's own
URLs never include the minimal page.
"""

from outsourcing.settings import *  # noqa: F403 - the production settings, unchanged

ROOT_URLCONF = "engagements.bench.urls"
