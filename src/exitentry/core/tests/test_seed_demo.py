import pytest
from django.core.management import CommandError, call_command

from exitentry.accounts.models import Role, User
from exitentry.identity.models import Person
from exitentry.identity.services import check_resident_id
from exitentry.servicepoints.models import ServicePoint

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_province_and_running_it_again_changes_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (User.objects.count(), Person.objects.count(), ServicePoint.objects.count())

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (User.objects.count(), Person.objects.count(), ServicePoint.objects.count()) == counts
    assert User.objects.filter(role=Role.APPLICANT, username__regex=r"^applicant\d{3}$").count() == 200
    assert User.objects.get(username="applicant200").check_password("exitentry-demo")
    # Foreign nationals (the foreigners' demo) have passports, not resident ID numbers.
    assert all(check_resident_id(person.id_number).valid for person in Person.objects.exclude(id_number=None))
    officer = User.objects.get(username="officer01")
    assert officer.role == Role.OFFICER
    assert list(officer.service_points.values_list("code", flat=True)) == ["jinan-foreigners-hall"]
    assert not User.objects.filter(
        username__regex=r"^officer\d+$", service_points__city__province_code="11"
    ).exists()


def test_seed_demo_is_refused_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="refused"):
        call_command("seed_demo")

    assert User.objects.count() == 0
