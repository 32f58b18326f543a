"""URLs of researchers' accounts: /accounts/ (sign-up; Django's auth views are included beside it), /me/…
(the user's own saved searches and collections) and /feeds/… (private feeds, by token)."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("me/", login_required(RedirectView.as_view(pattern_name="accounts:searches")), name="me"),
    path("me/searches/", views.searches, name="searches"),
    path("me/searches/<int:pk>/open/", views.search_open, name="search_open"),
    path("me/searches/<int:pk>/rename/", views.search_rename, name="search_rename"),
    path("me/searches/<int:pk>/delete/", views.search_delete, name="search_delete"),
    path("me/searches/<int:pk>/token/", views.search_renew_token, name="search_renew_token"),
    path("me/searches/<int:pk>/alerts/", views.search_alerts, name="search_alerts"),
    path("feeds/searches/<int:pk>/<str:token>/", views.search_feed, name="search_feed"),
    path("me/collections/", views.collections, name="collections"),
    path("me/collections/add/", views.collection_add, name="collection_add"),
    path("me/collections/<int:pk>/", views.collection, name="collection"),
    path("me/collections/<int:pk>/rename/", views.collection_rename, name="collection_rename"),
    path("me/collections/<int:pk>/delete/", views.collection_delete, name="collection_delete"),
    path("me/collections/<int:pk>/items/<int:item_pk>/note/", views.item_note, name="item_note"),
    path("me/collections/<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item_move"),
    path("me/collections/<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
]
