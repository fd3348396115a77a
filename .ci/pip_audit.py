"""pip-audit of the installed, pinned versions, saying how many packages it could really check.

Fails on any known vulnerability. Where the vulnerability service cannot be reached (a package
index without PyPI's JSON API answers every lookup with 404), pip-audit skips every package and
would report "No known vulnerabilities found"; this says instead that nothing was audited.
"""

import json
import subprocess
import sys

result = subprocess.run(
    [".venv/bin/pip-audit", "--skip-editable", "--progress-spinner", "off", "--format", "json"],
    capture_output=True,
    text=True,
)
try:
    report = json.loads(result.stdout)
except json.JSONDecodeError:
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode or 1)

dependencies = report["dependencies"]
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixed = ", ".join(vuln["fix_versions"]) or "no fix yet"
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
print(f"pip-audit: {len(audited)} of {len(dependencies)} installed packages audited, {len(vulnerable)} vulnerable")
if not audited:
    print("pip-audit: NOT AUDITED - the vulnerability service is unreachable from this machine (docs/security.md)")
sys.exit(1 if vulnerable else 0)
