"""Researcher-facing URLs. Every page state is a GET URL (see searchui.params for the query grammar)."""

from django.urls import path

from searchui import analysis_views, relations, syntax, views

app_name = "searchui"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/advanced/", syntax.advanced_search, name="advanced_search"),
    path("help/search/", syntax.search_help, name="search_help"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("themes/", views.themes, name="themes"),
    path("compare/", views.compare, name="compare"),
    path("trends/", analysis_views.trends, name="trends"),
    path("kwic/", analysis_views.kwic, name="kwic"),
    path("plans/<int:plan_id>/diff/<int:other_id>/", relations.plan_diff, name="plan_diff"),
    path("cited/", relations.cited, name="cited"),
    path("cited/<int:document_id>/", relations.cited_document, name="cited_document"),
    path("reuse/", relations.reuse, name="reuse"),
]
