"""Once wrote `rcp_reader_owners` with its text frozen here. The function is now (re)written on every
`migrate` from reporting.reciprocity's one statement of the rule (reciprocity.reader_owners_function_install,
connected to post_migrate in reporting.apps), so no migration holds its text or the policy's figures.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reporting", "0011_incident_shared_order")]

    operations = []
