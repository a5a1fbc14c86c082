"""Seed the validity of newly issued documents (policy as data; edit in the admin)."""

import datetime as dt

from django.db import migrations

PASSPORT_LAW = "Passport Law of the PRC, art. 6 (5 years under 16, 10 years from 16)"
PERMIT_RULES = (
    "Measures for Chinese Citizens Travelling to and from Hong Kong and Macau for Private Purposes; "
    "Measures for Chinese Citizens Travelling to and from Taiwan (5 years under 16, 10 years from 16)"
)
RULES = [
    ("passport", 0, 16, 5, PASSPORT_LAW),
    ("passport", 16, None, 10, PASSPORT_LAW),
    ("hk_macau_permit", 0, 16, 5, PERMIT_RULES),
    ("hk_macau_permit", 16, None, 10, PERMIT_RULES),
    ("taiwan_permit", 0, 16, 5, PERMIT_RULES),
    ("taiwan_permit", 16, None, 10, PERMIT_RULES),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("applications", "DocumentValidityRule")
    for document_type, min_age, max_age, years, source in RULES:
        Rule.objects.get_or_create(
            document_type=document_type,
            min_age=min_age,
            effective_from=dt.date(2007, 1, 1),
            defaults={"max_age": max_age, "validity_years": years, "source": source},
        )


def unseed(apps, schema_editor):
    apps.get_model("applications", "DocumentValidityRule").objects.filter(
        effective_from=dt.date(2007, 1, 1)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_shipments_issuance_bulk_filing")]

    operations = [migrations.RunPython(seed, unseed)]
