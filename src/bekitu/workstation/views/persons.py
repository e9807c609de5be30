"""A person's card with attachment history, and the attached population (paginated)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from bekitu.service import selectors
from bekitu.workstation.forms import PopulationSearchForm
from bekitu.workstation.staff import StaffScope
from bekitu.workstation.views.common import found_or_404, page, staff_page

PAGE_SIZE = 25


@staff_page()
def person_card(request: HttpRequest, pk: int, *, scope: StaffScope) -> HttpResponse:
    """The person, their current attachment and its history; the read is audited."""
    card = found_or_404(selectors.person_card(scope=scope, pk=pk))
    return page(request, "workstation/person.html", scope, {"card": card})


@staff_page()
def population(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """Search the population attached to the scope's providers, by IIN or surname.

    The search and its pages are posted, so an IIN or a surname never stands in an address
    (browser history, proxy logs, the Referer header).
    """
    data = request.POST if request.method == "POST" else None
    form = PopulationSearchForm(data)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    paginator = Paginator(selectors.population_search(scope=scope, query=query), PAGE_SIZE)
    page_obj = paginator.get_page(data.get("page") if data else None)
    selectors.population_page_audit(scope=scope, query=query, shown=list(page_obj.object_list))
    context = {"form": form, "page_obj": page_obj, "query": query}
    return page(request, "workstation/population.html", scope, context)
