"""The handbook's public pages (R11: published on the portal and the provider's site): the
three diagrams in the viewer, each element's clauses, role and duration, the `.bpmn` files."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from bekitu.handbook.bpmnxml import diagram_xml
from bekitu.handbook.content import elements
from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path
from bekitu.handbook.model import Diagram
from bekitu.handbook.pdf import handbook_pdf

# The languages the handbook is printed in: those of the regulation's publication.
PRINTED_LANGUAGES = ("kk", "ru")


def _language() -> str:
    return (get_language() or "en")[:2]


def _diagram(diagram_id: str) -> Diagram:
    try:
        return DIAGRAMS[diagram_id]
    except KeyError:
        raise Http404 from None


def index(request: HttpRequest) -> HttpResponse:
    language = _language()
    items = [{"diagram": d, "title": d.title.get(language)} for d in DIAGRAMS.values()]
    return render(request, "handbook/index.html", {"items": items})


def diagram(request: HttpRequest, diagram_id: str) -> HttpResponse:
    """One diagram in the viewer, with the table of its elements beside it."""
    shown = _diagram(diagram_id)
    language = _language()
    listed = elements(shown, language)
    context = {
        "diagram": shown,
        "title": shown.title.get(language),
        "elements": listed,
        "element_info": {e.id: e.as_json() for e in listed},
    }
    return render(request, "handbook/diagram.html", context)


def diagram_source(request: HttpRequest, diagram_id: str) -> HttpResponse:
    """The diagram in the page's language, for the viewer."""
    xml = diagram_xml(_diagram(diagram_id), _language())
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


def diagram_download(request: HttpRequest, file_name: str) -> HttpResponse:
    """The published file (names in Russian), as any modelling tool opens it."""
    found = next((d for d in DIAGRAMS.values() if d.file_name == file_name), None)
    if found is None:
        raise Http404
    response = HttpResponse(bpmn_path(found).read_bytes(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    return response


def handbook_download(request: HttpRequest, language: str) -> HttpResponse:
    """The printable handbook in Kazakh or Russian."""
    if language not in PRINTED_LANGUAGES:
        raise Http404
    response = HttpResponse(handbook_pdf(language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="handbook-{language}.pdf"'
    return response
