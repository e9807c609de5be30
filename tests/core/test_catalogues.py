"""The Kazakh and Russian message catalogues: complete, not fuzzy, placeholders intact, in step
with the source strings, compilable, and used by the pages; and the Kazakh supplement for
Django's own strings (locale/framework)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "bekitu" / "locale"
CHECK_MESSAGES = ROOT / "scripts" / "check-messages"
TRANSLATED = ("kk", "ru")
NPLURALS = {"kk": 2, "ru": 3}
# name -> (language, path): the project's catalogues and the supplement for Django's strings
CATALOGUES = {
    "kk": ("kk", LOCALE / "kk" / "LC_MESSAGES" / "django.po"),
    "ru": ("ru", LOCALE / "ru" / "LC_MESSAGES" / "django.po"),
    "framework-kk": ("kk", LOCALE / "framework" / "kk" / "LC_MESSAGES" / "django.po"),
    "framework-kk-js": ("kk", LOCALE / "framework" / "kk" / "LC_MESSAGES" / "djangojs.po"),
}

# %(name)s, %(m)02d, %s, %d ... (python-format) and {name}, {0} (python-brace-format)
PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def _catalogue(name: str) -> polib.POFile:
    return polib.pofile(str(CATALOGUES[name][1]))


def placeholders(text: str) -> Counter[str]:
    """The format placeholders of a message, counted (literal %% excluded)."""
    text = text.replace("%%", "")
    found = [m.group(0) for m in PERCENT.finditer(text)]
    found += ["{" + m.group(1) + "}" for m in BRACE.finditer(text)]
    return Counter(found)


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs: one for a plain entry, one per plural form otherwise."""
    if not entry.msgid_plural:
        return [(entry.msgid, entry.msgstr)]
    forms = sorted(entry.msgstr_plural.items())
    return [(entry.msgid if i == 0 else entry.msgid_plural, text) for i, text in forms]


def test_placeholders_finds_named_positional_and_brace_fields() -> None:
    assert placeholders("%(h)d h %(m)02d min, %s of {total} {0} 100%% {{literal}}") == Counter(
        {"%(h)d": 1, "%(m)02d": 1, "%s": 1, "{total}": 1, "{0}": 1}
    )


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_message_is_translated(name: str) -> None:
    catalogue = _catalogue(name)
    assert len(catalogue) > 0
    untranslated = [e.msgid for e in catalogue for _, text in _translations(e) if not text.strip()]
    assert untranslated == []


@pytest.mark.parametrize("name", CATALOGUES)
def test_no_message_or_header_is_fuzzy(name: str) -> None:
    catalogue = _catalogue(name)
    assert not catalogue.metadata_is_fuzzy
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []


@pytest.mark.parametrize("name", CATALOGUES)
def test_plural_messages_have_every_form_of_the_language(name: str) -> None:
    catalogue = _catalogue(name)
    nplurals = NPLURALS[CATALOGUES[name][0]]
    assert f"nplurals={nplurals};" in catalogue.metadata["Plural-Forms"]
    plurals = [e for e in catalogue if e.msgid_plural]
    assert plurals, "the source has plural messages; the catalogue should too"
    wrong = [e.msgid for e in plurals if sorted(e.msgstr_plural) != list(range(nplurals))]
    assert wrong == []


@pytest.mark.parametrize("name", CATALOGUES)
def test_translations_keep_the_placeholders_of_the_source(name: str) -> None:
    mismatched = [
        (source, text)
        for entry in _catalogue(name)
        for source, text in _translations(entry)
        if placeholders(source) != placeholders(text)
    ]
    assert mismatched == []


@pytest.mark.parametrize("name", CATALOGUES)
def test_catalogue_declares_its_language_and_utf8(name: str) -> None:
    metadata = _catalogue(name).metadata
    assert metadata["Language"] == CATALOGUES[name][0]
    assert "charset=UTF-8" in metadata["Content-Type"]


def test_kazakh_translations_use_kazakh_letters() -> None:
    # A Kazakh catalogue typed with Russian look-alikes (а for ә, к for қ ...) has none of
    # these; the regulation's own terms (қызмет, көрсетілетін, бекіту) need them.
    text = " ".join(t for e in _catalogue("kk") for _, t in _translations(e))
    assert set("әғқңөұүі") <= set(text.lower())


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("name", CATALOGUES)
def test_catalogue_compiles_with_format_checks(name: str, tmp_path: Path) -> None:
    po = CATALOGUES[name][1]
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _check_messages(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK_MESSAGES), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.slow
def test_makemessages_would_add_no_message() -> None:
    result = _check_messages()
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_check_messages_reports_a_missing_and_a_stale_message(tmp_path: Path) -> None:
    catalogues = tmp_path / "locale"
    shutil.copytree(LOCALE, catalogues, ignore=shutil.ignore_patterns("*.mo"))
    po_path = catalogues / "ru" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    dropped = po[0].msgid
    po.remove(po[0])
    po.append(polib.POEntry(msgid="A string no source has any more", msgstr="Строка"))
    po.save()

    result = _check_messages("--catalogues", str(catalogues))

    assert result.returncode == 1
    assert f"missing: locale/ru/LC_MESSAGES/django.po: {dropped!r}" in result.stdout
    assert "stale: locale/ru/LC_MESSAGES/django.po: 'A string no source has any more'" in (
        result.stdout
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("kk", "Медициналық-санитариялық алғашқы көмек көрсететін медициналық ұйымға бекіту"),
        ("ru", "Прикрепление к медицинской организации, оказывающей первичную медико-санитарную"),
    ],
)
def test_start_page_speaks_the_language_asked_for(client, lang: str, title: str) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == lang
    assert title in response.content.decode(), "are the catalogues compiled (make messages)?"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "heading"),
    [("kk", "Көрсетілетін қызметті берушінің АЖО: кіру"), ("ru", "АРМ услугодателя: вход")],
)
def test_workstation_login_speaks_the_language_asked_for(client, lang: str, heading: str) -> None:
    response = client.get("/workstation/login/", HTTP_ACCEPT_LANGUAGE=lang)
    assert heading in response.content.decode()


def _django_source_msgids(domain: str) -> set[tuple[str, str]]:
    import django

    base = Path(django.__file__).parent
    apps = ("conf", "contrib/admin", "contrib/auth", "contrib/contenttypes")
    paths = [base / app / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po" for app in apps]
    return {(e.msgctxt or "", e.msgid) for p in paths if p.exists() for e in polib.pofile(str(p))}


@pytest.mark.parametrize(
    ("name", "domain"), [("framework-kk", "django"), ("framework-kk-js", "djangojs")]
)
def test_framework_supplement_translates_only_strings_django_has(name: str, domain: str) -> None:
    # After a Django upgrade renames a string, its entry here would silently stop applying.
    django_has = _django_source_msgids(domain)
    stale = [e.msgid for e in _catalogue(name) if (e.msgctxt or "", e.msgid) not in django_has]
    assert stale == []


def test_framework_supplement_does_not_shadow_the_project_catalogue() -> None:
    ours = {e.msgid for e in _catalogue("kk")}
    assert [e.msgid for e in _catalogue("framework-kk") if e.msgid in ours] == []


@pytest.mark.django_db
def test_admin_index_speaks_kazakh_where_django_does_not(admin_client) -> None:
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    # "Recent actions" and "View site": missing from Django's own kk catalogue
    assert "Соңғы әрекеттер" in page
    assert "Сайтты ашу" in page
    assert "Recent actions" not in page


@pytest.mark.django_db
def test_admin_calendar_speaks_kazakh(admin_client) -> None:
    script = admin_client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert f'"January": {json.dumps("Қаңтар")}' in script
    assert f'"Choose a Date": {json.dumps("Күнді таңдаңыз")}' in script
