"""The initial policy keeps non-contributors to their own data (issue 16).

Only states that provide data may access the information provided by others (CTOC/COP/2014/4,
para. 22): `non_contributors_see_aggregates` is off by default, and the initial policy created by
migration 0002 is turned off too where the secretariat has not changed the policy since (it is
still the only version, with its initial reason). A policy the secretariat has edited is left alone.
"""

from django.db import migrations, models

INITIAL_REASON = "Initial policy with the defaults of the design."


def initial_policy_off(apps, schema_editor):
    policies = apps.get_model("reporting", "ReciprocityPolicy").objects
    if policies.count() == 1:
        policies.filter(version=1, reason=INITIAL_REASON).update(non_contributors_see_aggregates=False)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0026_import_fixed_values_conventions")]

    operations = [
        migrations.AlterField(
            model_name="reciprocitypolicy",
            name="non_contributors_see_aggregates",
            field=models.BooleanField(default=False, verbose_name="non-contributors see regional aggregates"),
        ),
        migrations.RunPython(initial_policy_off, migrations.RunPython.noop),
    ]
