from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def start_page(request: HttpRequest) -> HttpResponse:
    """The start page: what the service is and where each kind of user goes."""
    return render(request, "core/start.html")
