"""Create the 編集者 group: may edit catalogue content, not users or groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_GROUP = "編集者"
CONTENT_MODELS = [
    "case",
    "place",
    "citation",
    "actor",
    "funding",
    "infrastructure",
    "keyfigure",
    "milestone",
    "challenge",
    "casepoint",
    "organization",
    "sourcedocument",
    "theme",
]
READ_ONLY_MODELS = ["prefecture", "municipality"]
HISTORY_MODELS = [f"historical{name}" for name in CONTENT_MODELS]


def create_editor_group(apps, schema_editor):
    # Read and write where the migration runs: with a replica, the router would read elsewhere.
    db = schema_editor.connection.alias
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(db).get_or_create(name=EDITOR_GROUP)
    codenames = [
        f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "delete", "view")
    ]
    codenames += [f"view_{model}" for model in READ_ONLY_MODELS]
    codenames += [f"view_{model}" for model in HISTORY_MODELS]
    group.permissions.set(
        Permission.objects.using(db).filter(
            content_type__app_label="cases", codename__in=codenames
        )
    )


def remove_editor_group(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name=EDITOR_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_catalogue_models"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editor_group, remove_editor_group)]
