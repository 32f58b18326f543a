"""Django's own auth views (log in, log out, password change and reset) in our templates.

The URL names are Django's (`login`, `password_change_done`, …) because its views reverse them by those names;
the templates live under templates/accounts/auth/ so that the admin keeps its own password pages.
"""

from django.contrib.auth import views as auth
from django.urls import path

TEMPLATES = "accounts/auth/"

urlpatterns = [
    path(
        "login/",
        auth.LoginView.as_view(template_name=TEMPLATES + "login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth.LogoutView.as_view(), name="logout"),  # POST only (Django 5)
    path(
        "password_change/",
        auth.PasswordChangeView.as_view(template_name=TEMPLATES + "password_change_form.html"),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth.PasswordChangeDoneView.as_view(template_name=TEMPLATES + "password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        auth.PasswordResetView.as_view(
            template_name=TEMPLATES + "password_reset_form.html",
            email_template_name=TEMPLATES + "password_reset_email.txt",
            subject_template_name=TEMPLATES + "password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth.PasswordResetDoneView.as_view(template_name=TEMPLATES + "password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(template_name=TEMPLATES + "password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth.PasswordResetCompleteView.as_view(template_name=TEMPLATES + "password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
