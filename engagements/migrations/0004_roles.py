"""The three roles of PRODUCT.md as Django groups, so every install has them.

An admin puts people in them from the Django admin; what each role may do to
which object is decided in engagements/permissions.py.
"""

from django.db import migrations

ROLES = ("Admin", "Manager", "Viewer")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("engagements", "0003_reminders_outbox_and_file_metadata"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
