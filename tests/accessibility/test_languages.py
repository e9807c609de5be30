"""Which visits of a page the accessibility check makes in each language."""

from __future__ import annotations

from tests.accessibility import registry
from tests.accessibility.registry import Visit

PLAIN = Visit("the form", "/form/")
WITH_ERRORS = Visit("the form with its errors", "/form/")
KAZAKH_ONLY = Visit("a model's list", "/admin/list/", languages=("kk",))


def test_kazakh_gets_every_state_the_others_the_first() -> None:
    assert registry.visits_in("kk", [PLAIN, WITH_ERRORS]) == [PLAIN, WITH_ERRORS]
    assert registry.visits_in("ru", [PLAIN, WITH_ERRORS]) == [PLAIN]
    assert registry.visits_in("en", [PLAIN, WITH_ERRORS]) == [PLAIN]


def test_a_visit_limited_to_some_languages_is_made_in_those_alone() -> None:
    assert registry.visits_in("kk", [KAZAKH_ONLY]) == [KAZAKH_ONLY]
    assert registry.visits_in("ru", [KAZAKH_ONLY]) == []
    assert registry.visits_in("ru", [KAZAKH_ONLY, WITH_ERRORS]) == [WITH_ERRORS]


def test_every_admin_model_list_but_the_samples_is_made_in_kazakh_alone() -> None:
    from tests.accessibility.pages import admin

    registry.load()
    lists = {n for n in registry.PAGES if n.startswith("admin:") and n.endswith("_changelist")}
    assert len(lists) > 1, "the admin registers no model pages"
    sample = "admin:" + admin.SAMPLE.replace(".", "_")
    for name in lists:
        visit = next(iter(registry.PAGES[name](None)))  # type: ignore[arg-type]
        expected = None if name.startswith(sample + "_") else admin.MODEL_PAGE_LANGUAGES
        assert visit.languages == expected, name
