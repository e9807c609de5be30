"""Every address the site routes, and every error page it can show, for the check that no
page escapes the accessibility check (test_every_page_is_checked)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.base import RedirectView
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.views import APIView

import bekitu
from tests.accessibility.registry import ERROR_PREFIX

# Django's handlers: the statuses whose pages a person may meet without a route of their own.
HANDLED_STATUSES = (400, 403, 404, 500)


@dataclass(frozen=True)
class Route:
    key: str  # the routed name ("app:name"), or the pattern of an unnamed route
    pattern: str
    kind: str  # "page", "api" or "redirect"


def _kind(callback: Any) -> str:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, RedirectView):
        return "redirect"
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        # A REST view is a page only when it renders a template (Swagger UI's page does);
        # the browsable API is the API's own rendering, not a page of the service.
        renderers = view_class.renderer_classes
        html = any(issubclass(r, TemplateHTMLRenderer) for r in renderers)
        return "page" if html else "api"
    return "page"


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = entry.name
            key = (f"{namespace}:{name}" if namespace else name) if name else pattern
            yield Route(key, pattern, _kind(entry.callback))


def routes() -> list[Route]:
    """Every routed address of the site (ROOT_URLCONF)."""
    return list(_walk(get_resolver().url_patterns, "", ""))


def error_pages() -> list[str]:
    """The error pages a person may meet: Django's handlers, and every "<status>.html"
    template of the project's own template folders."""
    statuses = set(HANDLED_STATUSES)
    for template in Path(bekitu.__file__).parent.rglob("templates/*.html"):
        if re.fullmatch(r"[1-5]\d\d\.html", template.name):
            statuses.add(int(template.stem))
    return [f"{ERROR_PREFIX}{status}" for status in sorted(statuses)]
