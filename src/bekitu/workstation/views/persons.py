"""A person's card with attachment history, and the attached population (paginated)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bekitu.service import selectors
from bekitu.workstation import search
from bekitu.workstation.staff import StaffScope, found_or_404, page, staff_page

PAGE_SIZE = 25


@staff_page()
def person_card(request: HttpRequest, pk: int, *, scope: StaffScope) -> HttpResponse:
    """The person, their current attachment and its history; the read is audited."""
    card = found_or_404(selectors.person_card(scope=scope, pk=pk))
    return page(request, "workstation/person.html", scope, {"card": card})


@staff_page()
@require_http_methods(["GET", "POST"])
def population(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """Search the population attached to the scope's providers, by IIN or surname.

    The search is posted once and answered with a redirect to ?s=<search id>; its pages are
    plain GET addresses (?s=…&page=…), so paging needs no resubmission while an IIN or a
    surname never stands in an address (browser history, proxy logs, the Referer header).
    """
    if request.method == "POST":
        form = search.PopulationSearchForm(request.POST)
        text = form.cleaned_data["q"].strip() if form.is_valid() else ""
        address = reverse("workstation:population")
        if not text:
            return redirect(address)
        return redirect(f"{address}?{urlencode({'s': search.remember(request, text)})}")
    sid = request.GET.get("s")
    query = search.recall(request, sid)
    form = search.PopulationSearchForm({"q": query or ""})
    paginator = Paginator(selectors.population_search(scope=scope, query=query or ""), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    selectors.population_page_audit(
        scope=scope, query=query or "", shown=list(page_obj.object_list)
    )
    context = {
        "form": form,
        "page_obj": page_obj,
        "query": query or "",
        "sid": sid if query is not None else "",
        "expired": bool(sid) and query is None,
    }
    return page(request, "workstation/population.html", scope, context)
