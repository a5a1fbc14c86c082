import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from exitentry.routing.tests.scenarios import example_path, two_halls

CONTRACT_KEYS = ["served", "mean_wait_minutes", "p90_wait_minutes", "mean_travel_minutes", "max_queue"]


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def write(tmp_path, data, name="scenario.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_json_output_has_exactly_the_contract_keys():
    output = simulate(
        "--scenario",
        example_path("skewed_urban_suburban"),
        "--policy",
        "recommended",
        "--seed",
        "1",
        "--json",
    )
    assert json.loads(output) == {
        "served": 424,
        "mean_wait_minutes": 3.7,
        "p90_wait_minutes": 10.11,
        "mean_travel_minutes": 4.38,
        "max_queue": 9,
    }
    assert list(json.loads(output)) == CONTRACT_KEYS


def test_same_seed_prints_identical_json_and_another_seed_does_not():
    args = ["--scenario", example_path("balanced"), "--policy", "nearest", "--json"]
    first = simulate(*args, "--seed", "11")
    assert simulate(*args, "--seed", "11") == first
    assert simulate(*args, "--seed", "12") != first


def test_readable_output_shows_the_figures_and_every_hall():
    with translation.override("en"):
        output = simulate("--scenario", example_path("weekend_peak"), "--policy", "nearest", "--seed", "1")
    figures = json.loads(
        simulate("--scenario", example_path("weekend_peak"), "--policy", "nearest", "--seed", "1", "--json")
    )
    assert "Scenario                        Weekend peak" in output
    assert "Policy                          nearest hall" in output
    assert f"People served                   {figures['served']}" in output
    assert f"Mean wait (minutes)             {figures['mean_wait_minutes']:.2f}" in output
    assert f"Longest queue (people)          {figures['max_queue']}" in output
    for hall in ("City-centre hall (weekend session)", "High-tech zone hall", "West railway station hall"):
        assert hall in output


def test_readable_output_speaks_the_site_language():
    with translation.override("zh-hans"):
        output = simulate("--scenario", example_path("balanced"), "--policy", "recommended", "--seed", "1")
    assert "平均等候时间（分钟）" in output
    assert "North district hall" in output


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({**two_halls(), "halls": [{**two_halls()["halls"][0], "counters": -1}]}, "halls[0].counters"),
        (
            {**two_halls(), "origins": [{"id": "west", "location": {"x_km": 0, "y_km": 0}}]},
            "origins[0].share",
        ),
        ({**two_halls(), "speed": 3}, "speed"),
        ('{"name": "broken",', "scenario"),
        ("[1, 2]", "scenario"),
    ],
)
def test_bad_scenario_file_exits_with_code_two_naming_the_field(tmp_path, content, field):
    path = write(tmp_path, content)
    with pytest.raises(CommandError) as caught:
        simulate("--scenario", path, "--policy", "nearest", "--seed", "1")
    assert caught.value.returncode == 2
    assert field in str(caught.value)


def test_broken_json_error_says_where(tmp_path):
    path = write(tmp_path, '{\n  "name": "broken",\n  "hours" 3\n}')
    with translation.override("en"), pytest.raises(CommandError) as caught:
        simulate("--scenario", path, "--policy", "nearest", "--seed", "1")
    assert str(caught.value) == ("scenario is not valid JSON: Expecting ':' delimiter at line 3, column 11.")


def test_missing_scenario_file_exits_with_code_two(tmp_path):
    missing = str(tmp_path / "nowhere.json")
    with translation.override("en"), pytest.raises(CommandError) as caught:
        simulate("--scenario", missing, "--policy", "nearest", "--seed", "1")
    assert caught.value.returncode == 2
    assert str(caught.value) == f"scenario: the file {missing} could not be read (No such file or directory)."


def test_negative_seed_exits_with_code_two():
    with pytest.raises(CommandError) as caught:
        simulate("--scenario", example_path("balanced"), "--policy", "nearest", "--seed", "-4")
    assert caught.value.returncode == 2


def test_unknown_policy_is_refused_by_the_command_line():
    with pytest.raises(CommandError, match="invalid choice: 'fastest'"):
        simulate("--scenario", example_path("balanced"), "--policy", "fastest", "--seed", "1")


def _exitentry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exitentry", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "exitentry.settings"},
        check=False,
    )


def test_exitentry_simulate_command_line_prints_the_contract_json():
    done = _exitentry(
        "simulate", "--scenario", example_path("balanced"), "--policy", "recommended", "--seed", "3", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == CONTRACT_KEYS


def test_exitentry_simulate_command_line_exits_two_without_a_traceback(tmp_path):
    data = two_halls()
    data["halls"][1]["service_time"]["distribution"] = "weibull"
    done = _exitentry("simulate", "--scenario", write(tmp_path, data), "--policy", "nearest", "--seed", "1")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "halls[1].service_time.distribution" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
