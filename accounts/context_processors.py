"""Template variables every page may need for the account links in the header."""

from django.conf import settings


def accounts(request):
    return {
        "allow_signup": settings.ALLOW_SIGNUP,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
