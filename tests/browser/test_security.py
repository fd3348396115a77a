"""Security in real Chromium: the Content-Security-Policy (enforced in test settings as in
production) is violated by no main page, charts and the API docs included; and the two-factor
journey: a focal point sets up an authenticator from the QR page, keeps recovery codes, and signs in
again with a code. Screenshot: docs/screenshots/two-factor-setup.png."""

import json
import os
import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from accounts.models import Role
from reporting.models import Incident, ReciprocityPolicy
from tests import factories
from tests.browser import SHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Registered before any page script runs (Playwright injects it outside the page's CSP): every
# violation the browser reports, enforced or not, lands in window.__csp.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + where);
});
"""


def new_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    return page


def sign_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def violations(page) -> list[str]:
    reported = page.evaluate("window.__csp || []")
    console = [t for t in page.console_errors if "Content Security Policy" in t or "Refused to" in t]
    return reported + console


def test_no_main_page_breaks_the_content_security_policy(page, browser, live_server, tmp_path):
    del page
    ReciprocityPolicy.objects.get_or_create(version=1)
    call_command("seed_demo", incidents=300, credentials=tmp_path / "c.json", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    credentials = json.loads((tmp_path / "c.json").read_text())
    record = Incident.objects.filter(participant__code__in=[c["participant"] for c in credentials]).first()
    logins = {c["role"]: c for c in credentials if c["participant"] in ("", record.participant.code)}
    pages = {
        Role.FOCAL_POINT: [
            "/",
            "/records/",
            f"/records/{record.pk}/",
            "/records/new/",
            "/records/returns/",
            "/records/standing/",
            "/records/access-log/",
            "/analytics/",
            "/accounts/users/",
            "/accounts/tokens/",
            "/accounts/sessions/",
            "/accounts/two-factor/",
            "/accounts/two-factor/setup/",
            "/api/docs/",
        ],
        Role.SECRETARIAT: [
            "/records/console/",
            "/records/console/participants/",
            "/records/console/coverage/",
            "/records/console/policy/",
            "/records/console/audit/",
            "/records/sharing/",
            "/analytics/",
            "/admin/",
        ],
    }
    found: dict[str, list[str]] = {}
    anonymous = new_page(browser)
    anonymous.goto(f"{live_server.url}/accounts/login/")
    found["/accounts/login/"] = violations(anonymous)
    for role, paths in pages.items():
        tab = new_page(browser)
        sign_in(tab, live_server, logins[role]["username"], logins[role]["password"])
        for path in paths:
            response = tab.goto(f"{live_server.url}{path}")
            assert response.status < 400, f"{path} as {role}: {response.status}"
            tab.wait_for_load_state("networkidle")
            if path == "/analytics/":
                # Charts draw and their tooltips appear on hover: both must stay within the policy.
                charts = tab.locator(".chart-card canvas, .chart-card svg")
                assert charts.count() > 0, "no chart was drawn on the dashboards"
                for i in range(min(3, charts.count())):
                    charts.nth(i).scroll_into_view_if_needed()
                    box = charts.nth(i).bounding_box()
                    for fx in (0.3, 0.5, 0.7):
                        tab.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.6)
                        tab.wait_for_timeout(150)
                if os.environ.get("VRS_SHOT_TOOLTIP"):
                    tab.screenshot(path=os.environ["VRS_SHOT_TOOLTIP"])
            if path == "/api/docs/":
                tab.wait_for_selector(".swagger-ui .info", timeout=15000)  # Swagger UI started from a file
            found[f"{path} ({role})"] = violations(tab)
            tab.evaluate("window.__csp = []")
            tab.console_errors.clear()
    broken = {k: v for k, v in found.items() if v}
    assert not broken, broken


def test_a_focal_point_sets_up_two_factor_and_signs_in_with_it(page, browser, live_server, settings):
    del page
    settings.OTP_REQUIRED = True
    owner = factories.participant(code="AUS")
    factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid.focal")

    first = new_page(browser)
    sign_in(first, live_server, "farid.focal")
    # The role requires it: the set-up page comes first, whatever was asked for.
    first.goto(f"{live_server.url}/records/")
    assert "/accounts/two-factor/setup/" in first.url
    assert first.locator("#otp-qr").evaluate("img => img.naturalWidth") > 0
    SHOTS.mkdir(exist_ok=True)
    first.screenshot(path=str(SHOTS / "two-factor-setup.png"), full_page=True)
    secret = first.locator("#otp-secret").inner_text().replace(" ", "")
    import base64

    key = base64.b32decode(secret)
    first.fill("#id_code", f"{totp(key):06d}")
    first.click("main button[type=submit]")
    codes = first.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    first.click("text=I have kept them: continue")
    first.wait_for_url(re.compile(r".*/records/$"))
    assert first.locator("h1").first.is_visible()
    assert not violations(first)

    # Signing in again asks for a code; a wrong one is refused, a recovery code works once.
    second = new_page(browser)
    sign_in(second, live_server, "farid.focal")
    assert "/accounts/two-factor/verify/" in second.url
    second.fill("#id_code", "000000")
    second.click("main button[type=submit]")
    assert second.locator(".errors").is_visible()
    from django_otp import devices_for_user

    from accounts.models import User

    for device in devices_for_user(User.objects.get(username="farid.focal")):
        device.throttle_reset()
    second.fill("#id_code", codes[0])
    second.click("main button[type=submit]")
    second.wait_for_url(re.compile(r".*/$"))
    assert "two-factor" not in second.url
    assert second.get_by_text("farid.focal").first.is_visible()
    assert not violations(second)
