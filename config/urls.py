"""Top-level URL map: the admin and the researcher-facing pages of searchui."""

from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.auth_urls")),  # login, logout, password change and reset
    path("", include("accounts.urls")),
    path("", include("searchui.urls")),
]

# A database connection error outside a view is answered with a plain 503, any other error with Django's 500.
handler500 = "config.middleware.server_error"
