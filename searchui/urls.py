"""Researcher-facing URLs. Every page state is a GET URL (see searchui.params for the query grammar)."""

from django.urls import path

from searchui import analysis_views, views

app_name = "searchui"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("themes/", views.themes, name="themes"),
    path("compare/", views.compare, name="compare"),
    path("trends/", analysis_views.trends, name="trends"),
    path("kwic/", analysis_views.kwic, name="kwic"),
]
