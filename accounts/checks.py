"""Deploy checks of VRS's own promises (`manage.py check --deploy`, docs/security.md): two-factor
sign-in on, the sign-in lockout on, and a Content-Security-Policy without inline code."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def security_promises(app_configs, **kwargs):
    problems = []
    if not settings.OTP_REQUIRED:
        problems.append(
            Warning(
                "OTP_REQUIRED is off: focal points and the secretariat can sign in with a password alone.",
                hint="Unset OTP_REQUIRED (it defaults to true) outside the embedded demo.",
                id="vrs.W001",
            )
        )
    if not getattr(settings, "AXES_ENABLED", True):
        problems.append(Warning("AXES_ENABLED is off: repeated sign-in failures are not locked.", id="vrs.W002"))
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    for name in ("default-src", "script-src", "style-src"):
        values = directives.get(name, [])
        if "'unsafe-inline'" in values or "'unsafe-eval'" in values or "*" in values:
            problems.append(Warning(f"Content-Security-Policy {name} allows inline or foreign code.", id="vrs.W003"))
    if "script-src" not in directives and "default-src" not in directives:
        problems.append(Warning("No Content-Security-Policy script-src.", id="vrs.W004"))
    return problems
