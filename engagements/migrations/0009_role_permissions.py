"""Model permissions for the three roles, so the admin and any permission check agree.

Admin: every permission of the vendors and engagements apps and of users and
groups. Manager: view everything, add and change the work (object rules in
engagements/permissions.py narrow "change" to what they own or co-own).
Viewer: view everything. Re-running only adds what is missing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("vendors", "engagements")
# What a manager may add and change (further limited per object by permissions.py).
MANAGER_MODELS = {
    "vendor", "contact", "certification", "reference", "subprocessor",
    "candidate", "assessment", "assessmentanswer",
    "selection", "proposal", "proposalattachment", "criterion", "evaluator", "score",
    "engagement", "contract", "milestone", "communicationplan", "escalationlevel",
    "checkin", "actionitem", "kpi", "measurement", "performancereview",
    "risk", "dataaccessgrant", "complianceitem", "evidence", "offboardingitem",
    "reminderpreference",
}  # fmt: skip


def grant_role_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for label in ("auth", *APPS):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label__in=APPS)
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*ours, *Permission.objects.filter(content_type__app_label="auth"))
    manager, _ = Group.objects.get_or_create(name="Manager")
    manager.permissions.add(
        *ours.filter(codename__startswith="view_"),
        *ours.filter(
            content_type__model__in=MANAGER_MODELS,
            codename__regex=r"^(add|change)_",
        ),
    )
    viewer, _ = Group.objects.get_or_create(name="Viewer")
    viewer.permissions.add(*ours.filter(codename__startswith="view_"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vendors", "0004_history"),
        ("engagements", "0008_history"),
    ]

    operations = [migrations.RunPython(grant_role_permissions, migrations.RunPython.noop)]
