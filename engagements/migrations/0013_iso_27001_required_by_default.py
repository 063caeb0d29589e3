"""The ISO 27001 certificate joins the requirements added by default (catalog seed, 0002).

Security evidence belongs in the quick start next to the NDA and the DPA; an admin who
wants it optional again unticks it in the catalog.
"""

from django.db import migrations

NAME = "ISO 27001 certificate"


def require(apps, schema_editor):
    requirement = apps.get_model("engagements", "ComplianceRequirement")
    requirement.objects.filter(name=NAME, required_by_default=False).update(
        required_by_default=True
    )


def unrequire(apps, schema_editor):
    requirement = apps.get_model("engagements", "ComplianceRequirement")
    requirement.objects.filter(name=NAME).update(required_by_default=False)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0012_time_zone_choices")]

    operations = [migrations.RunPython(require, unrequire)]
