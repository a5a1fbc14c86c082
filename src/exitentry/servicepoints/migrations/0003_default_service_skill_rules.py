"""Which counter skill serves which catalog service, so that a fresh `migrate` can take bookings."""

from django.db import migrations

RULES = [
    ("passport.", "citizens_documents"),
    ("hk_macau_permit.", "citizens_documents"),
    ("taiwan_permit.", "citizens_documents"),
    ("hk_macau_endorsement.", "endorsements"),
    ("taiwan_endorsement.", "endorsements"),
    ("foreigners.", "foreigners"),
]


def add_rules(apps, schema_editor):
    ServiceSkillRule = apps.get_model("servicepoints", "ServiceSkillRule")
    for prefix, skill in RULES:
        ServiceSkillRule.objects.get_or_create(service_prefix=prefix, defaults={"skill": skill})


class Migration(migrations.Migration):
    dependencies = [("servicepoints", "0002_hours_counters_plans_slots")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
