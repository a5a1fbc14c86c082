"""Every catalogue is complete, well-formed and up to date with the code.

Each app keeps its own catalogue in `src/exitentry/<app>/locale/<lang>/LC_MESSAGES/django.po`
(AGENTS.md, "Text and languages"). These tests read the .po files with polib; the freshness
check re-runs `makemessages` on a throwaway copy of the app and needs GNU gettext, which is
required under CI=true and optional (skip) on a laptop.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src" / "exitentry"
LANGUAGES = ("zh_Hans", "en", "ru", "ja", "ko")
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

APPS = sorted(path.name for path in PACKAGE_DIR.iterdir() if (path / "__init__.py").is_file())
APPS_WITH_LOCALE = [app for app in APPS if (PACKAGE_DIR / app / "locale").is_dir()]

# What marks a user-facing string: gettext calls in Python, translate tags in templates.
PY_MARKERS = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|ngettext|ngettext_lazy|pgettext|pgettext_lazy|npgettext|"""
    r"""npgettext_lazy|gettext_noop)\(\s*(?:[rbuf]?["']|\w+\s*,\s*["'])"""
)
TEMPLATE_MARKERS = re.compile(r"{%\s*(?:translate|trans|blocktranslate|blocktrans)\b|\b_\(\s*[\"']")
# printf-style placeholders (`%(name)s`, `%s`, `%d`...) and str.format ones (`{name}`).
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"(?<!{){[^{}]*}(?!})")


def _catalogue(app: str, language: str) -> polib.POFile:
    path = PACKAGE_DIR / app / "locale" / language / "LC_MESSAGES" / "django.po"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(PACKAGE_DIR)} is missing")
    return polib.pofile(str(path))


def _key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _live(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def _source_files(app: str) -> list[Path]:
    app_dir = PACKAGE_DIR / app
    files = []
    for path in sorted(app_dir.rglob("*")):
        parts = path.relative_to(app_dir).parts
        if {"tests", "migrations", "locale", "static", "__pycache__"} & set(parts):
            continue
        if path.suffix in {".py", ".html", ".txt"} and path.is_file():
            files.append(path)
    return files


def _marks_strings(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    pattern = PY_MARKERS if path.suffix == ".py" else TEMPLATE_MARKERS
    return bool(pattern.search(text))


def test_there_are_catalogues_to_check():
    assert {"core", "accounts", "audit"} <= set(APPS_WITH_LOCALE)


@pytest.mark.parametrize("app", APPS)
def test_every_app_with_user_facing_strings_has_a_locale_dir(app):
    marked = [str(path.relative_to(PACKAGE_DIR)) for path in _source_files(app) if _marks_strings(path)]

    if marked:
        assert (PACKAGE_DIR / app / "locale").is_dir(), (
            f"{app} marks strings for translation in {marked} but has no locale/ directory; "
            f"create {app}/locale and run makemessages (see AGENTS.md)"
        )


def test_modules_outside_apps_have_no_user_facing_strings():
    # No catalogue covers them: their text must live in an app (e.g. core/errors.py).
    offenders = [path.name for path in sorted(PACKAGE_DIR.glob("*.py")) if _marks_strings(path)]

    assert offenders == []


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
def test_every_language_has_a_catalogue(app):
    missing = [
        language
        for language in LANGUAGES
        if not (PACKAGE_DIR / app / "locale" / language / "LC_MESSAGES" / "django.po").is_file()
    ]

    assert missing == []


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(app, language):
    catalogue = _catalogue(app, language)
    problems = []
    if catalogue.metadata_is_fuzzy:
        problems.append("the header is marked fuzzy")
    for entry in _live(catalogue):
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            expected_forms = _plural_forms(catalogue)
            forms = entry.msgstr_plural
            if sorted(forms) != list(range(expected_forms)) or not all(forms.values()):
                problems.append(f"needs {expected_forms} plural forms: {entry.msgid!r} has {forms}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {entry.msgid!r}")

    assert problems == [], f"{app}/{language}"


def _plural_forms(catalogue: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue has no Plural-Forms header"
    return int(match.group(1))


def _placeholders(text: str, flags: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    if "python-format" in flags:
        found.update(PRINTF.findall(text.replace("%%", "")))
    if "python-brace-format" in flags:
        found.update(BRACES.findall(text))
    return found


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_in_translations_match_the_msgid(app, language):
    mismatched = []
    for entry in _live(_catalogue(app, language)):
        expected = _placeholders(entry.msgid, entry.flags)
        if entry.msgid_plural:
            # A singular form may drop the count ("one day"), but never invent placeholders.
            allowed = expected | _placeholders(entry.msgid_plural, entry.flags)
            for form in entry.msgstr_plural.values():
                extra = _placeholders(form, entry.flags) - allowed
                if extra:
                    mismatched.append((entry.msgid, form))
        elif _placeholders(entry.msgstr, entry.flags) != expected:
            mismatched.append((entry.msgid, entry.msgstr))

    assert mismatched == [], f"{app}/{language}"


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
def test_all_languages_hold_the_same_messages(app):
    reference = {_key(entry) for entry in _live(_catalogue(app, "en"))}

    differing = {
        language: sorted(
            str(key) for key in reference ^ {_key(entry) for entry in _live(_catalogue(app, language))}
        )
        for language in LANGUAGES
    }

    assert {language: keys for language, keys in differing.items() if keys} == {}


@pytest.fixture(scope="module")
def xgettext() -> str:
    found = shutil.which("xgettext")
    if found is None:
        if CI:
            pytest.fail("GNU gettext (xgettext) is required under CI=true: apt-get install gettext")
        pytest.skip("GNU gettext is not installed")
    return found


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
def test_catalogue_is_up_to_date_with_the_code(app, xgettext, tmp_path):
    copy = tmp_path / app
    shutil.copytree(
        PACKAGE_DIR / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests", "migrations")
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exitentry.test_settings",
        "PYTHONPATH": os.pathsep.join([str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "--ignore", "tests/*"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    in_code = {_key(entry) for entry in _live(polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po")))}
    in_catalogue = {_key(entry) for entry in _live(_catalogue(app, "en"))}
    hint = f"run `make messages` (or makemessages in src/exitentry/{app}) and translate the new entries"
    assert sorted(map(str, in_code - in_catalogue)) == [], f"missing from the {app} catalogue; {hint}"
    assert sorted(map(str, in_catalogue - in_code)) == [], f"no longer in the {app} code; {hint}"


@pytest.mark.parametrize("app", APPS_WITH_LOCALE)
@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_translations_are_not_shadowed_by_apps_listed_earlier(app, language):
    # Django looks a msgid up in the apps' catalogues in INSTALLED_APPS order, first one wins:
    # a msgid that django.contrib.admin also translates shows admin's words, not ours. Give
    # such a string a context (`{% translate "Change" context "switch language" %}`) or use
    # the same words.
    from django.apps import apps

    ours = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in _live(_catalogue(app, language))}
    shadowed = []
    for config in apps.get_app_configs():
        if Path(config.path).resolve() == (PACKAGE_DIR / app).resolve():
            break
        theirs_path = Path(config.path) / "locale" / language / "LC_MESSAGES" / "django.po"
        if not theirs_path.is_file():
            continue
        for entry in _live(polib.pofile(str(theirs_path))):
            key = (entry.msgctxt, entry.msgid)
            if entry.msgstr and key in ours and ours[key] != entry.msgstr:
                shadowed.append(f"{entry.msgid!r}: {config.label} says {entry.msgstr!r}, not {ours[key]!r}")

    assert shadowed == []
