"""Browser tests drive Debian's Chromium through Playwright (fixtures in tests/conftest.py).

Screenshots go to `SHOTS`: a scratch directory by default, so a test run leaves the work tree as it
was; `make screenshots` runs the browser tests with SCREENSHOTS=docs/screenshots to refresh the
pictures the docs show.
"""

import os
import re
import tempfile
from pathlib import Path

SHOTS = Path(os.environ.get("SCREENSHOTS") or Path(tempfile.gettempdir()) / "vrs-screenshots").resolve()
SHOTS.mkdir(parents=True, exist_ok=True)

PASSWORD = "correct-horse-battery"  # every test user's (tests/factories.py)


def signed_in(browser, live_server, username, password=PASSWORD, *, width=1366, height=768, strict=False, **options):
    """A page in a browser context of its own, signed in as `username`, on its home page.

    Script errors are collected in `page.errors`; `strict` adds console errors and failed requests
    (with their address). `options` go to the context (e.g. java_script_enabled, accept_downloads).
    """
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    if strict:
        page.on(
            "console", lambda m: m.type == "error" and "Failed to load" not in m.text and page.errors.append(m.text)
        )
        page.on("response", lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # The sign-in form itself is sent: without scripts the language switcher keeps a submit button of
    # its own, first on the page.
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r".*/$"))
    return page
