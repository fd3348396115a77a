"""Browser tests drive Debian's Chromium through Playwright (fixtures in tests/conftest.py).

Screenshots go to `SHOTS`: a scratch directory by default, so a test run leaves the work tree as it
was; `make screenshots` runs the browser tests with SCREENSHOTS=docs/screenshots to refresh the
pictures the docs show.
"""

import os
import tempfile
from pathlib import Path

SHOTS = Path(os.environ.get("SCREENSHOTS") or Path(tempfile.gettempdir()) / "vrs-screenshots").resolve()
SHOTS.mkdir(parents=True, exist_ok=True)
