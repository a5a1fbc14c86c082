"""Starting retention rules; operators change them in the admin (a new rule with a later start)."""

import datetime as dt

from django.db import migrations

RULES = [
    ("staged_uploads", 2, "Files for forms that were never sent"),
    ("log_files", 180, "Rotated log files on the application hosts"),
    ("task_results", 30, "Finished background task results"),
]


def add_rules(apps, schema_editor):
    rule_model = apps.get_model("ops", "RetentionRule")
    for target, keep_days, note in RULES:
        rule_model.objects.get_or_create(
            target=target, effective_from=dt.date(2024, 1, 1), defaults={"keep_days": keep_days, "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
