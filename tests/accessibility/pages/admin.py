"""The admin: its index, each app's page, and each registered model's list, add form and
change form, as a superuser sees them (history and delete confirmation on one model). A model
registered later is picked up here by itself; what its admin forbids everyone is not a page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse

from bekitu.core.models import User
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World

not_a_page("admin:logout", "POST only: logs out")
not_a_page("admin:autocomplete", "JSON for the admin's autocomplete widgets")
not_a_page("admin:jsi18n", "the admin's JavaScript catalogue")
not_a_page("admin:view_on_site", "redirects to the object's own page")
not_a_page("admin/(?P<url>.*)$", "the admin's catch-all: redirects or answers 404 (error:404)")


# An object's history and its delete confirmation are drawn by one template of Django's for
# every model, with nothing of the model's own but its name: they are checked on one model.
SAMPLE = "registry.provider"
SAMPLE_NOTE = f"checked on {SAMPLE}"

# A model's list, add form and change form are Django's templates with the model's fields:
# in another language only their words differ (field names, help texts, which gettext never
# leaves empty), not the markup axe checks. Each is checked in Kazakh, the original; the
# sample's in all three languages, with the admin's own pages (login, index, apps, passwords).
MODEL_PAGE_LANGUAGES = ("kk",)


@pages("admin:login")
def _login(world: World) -> Iterator[Visit]:
    yield Visit("admin login", reverse("admin:login"))


@pages("admin:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("admin index", reverse("admin:index"), user="admin")


@pages("admin:app_list")
def _app_lists(world: World) -> Iterator[Visit]:
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    for label in labels:
        yield Visit(f"admin app {label}", reverse("admin:app_list", args=[label]), user="admin")


@pages("admin:password_change")
def _password_change(world: World) -> Iterator[Visit]:
    yield Visit("admin: change my password", reverse("admin:password_change"), user="admin")


@pages("admin:password_change_done")
def _password_changed(world: World) -> Iterator[Visit]:
    yield Visit("admin: password changed", reverse("admin:password_change_done"), user="admin")


@pages("admin:auth_user_password_change")
def _set_password(world: World) -> Iterator[Visit]:
    user = world.users["specialist"]
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    yield Visit("admin: set a user's password", url, user="admin")


def _superuser_request() -> object:
    request = RequestFactory().get("/admin/")
    request.user = User(username="permissions", is_superuser=True, is_staff=True, is_active=True)
    return request


def _first(model: type[Model]) -> Model:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the accessibility world has no {model._meta.label} to show"
    return obj


def _model_pages(model: type[Model], model_admin: ModelAdmin) -> None:
    meta = model._meta
    prefix = f"admin:{meta.app_label}_{meta.model_name}"
    request = _superuser_request()

    languages = None if meta.label_lower == SAMPLE else MODEL_PAGE_LANGUAGES

    def register(view: str, visit: Callable[[World], Visit]) -> None:
        pages(f"{prefix}_{view}")(lambda world: [replace(visit(world), languages=languages)])

    def on_object(view: str) -> Callable[[World], Visit]:
        def visit(world: World) -> Visit:
            url = reverse(f"{prefix}_{view}", args=[_first(model).pk])
            return Visit(f"admin {meta.label} {view}", url, user="admin")

        return visit

    register(
        "changelist",
        lambda world: Visit(f"admin {meta.label} list", reverse(f"{prefix}_changelist"), "admin"),
    )
    if model_admin.has_add_permission(request):  # type: ignore[arg-type]
        register(
            "add", lambda world: Visit(f"admin {meta.label} add", reverse(f"{prefix}_add"), "admin")
        )
    else:
        not_a_page(f"{prefix}_add", "the admin lets no one add these (403, see error:403)")
    register("change", on_object("change"))
    if meta.label_lower != SAMPLE:
        for view in ("history", "delete"):
            not_a_page(
                f"{prefix}_{view}",
                f"Django's {view} page, one template for every model: {SAMPLE_NOTE}",
            )
        return
    register("history", on_object("history"))
    register("delete", on_object("delete"))


apps.check_apps_ready()
for _model, _model_admin in admin.site._registry.items():
    _model_pages(_model, _model_admin)
