"""The registration deadline as data: 24 hours after arrival.

Exit-Entry Administration Law of the PRC (in force 2013-07-01), article 39: a foreigner staying
somewhere other than a hotel registers with the local police within 24 hours of arrival; hotels
register their foreign guests under the accommodation rules. Changed later in the admin.
"""

import datetime as dt

from django.db import migrations


def add_policy(apps, schema_editor):
    RegistrationPolicy = apps.get_model("accommodation", "RegistrationPolicy")
    RegistrationPolicy.objects.get_or_create(
        scheme="accommodation",
        effective_from=dt.date(2013, 7, 1),
        defaults={
            "deadline_hours": 24,
            "source": "Exit-Entry Administration Law of the PRC, art. 39: registration within 24 hours of arrival",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("accommodation", "0001_initial")]

    operations = [migrations.RunPython(add_policy, migrations.RunPython.noop)]
