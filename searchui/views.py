"""Thin views: parse the request, call plans.search / plans.selectors, render. (Filled in by the search-pages issue.)"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from plans.models import Plan, Theme


def home(request: HttpRequest) -> HttpResponse:
    latest = Plan.objects.select_related("region").order_by("-created_at")[:10]
    return render(request, "searchui/home.html", {"latest": latest})


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "searchui/home.html", {"latest": []})


def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise Http404("plan not found")
    return render(request, "searchui/home.html", {"latest": [plan]})


def themes(request: HttpRequest) -> HttpResponse:
    return render(request, "searchui/home.html", {"latest": [], "themes": Theme.objects.all()})


def compare(request: HttpRequest) -> HttpResponse:
    return render(request, "searchui/home.html", {"latest": []})
