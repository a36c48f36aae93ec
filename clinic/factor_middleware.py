"""The gate of the second factor (R18): a signed-in user who needs a factor and has not
given it this session reaches only the enrol and verify pages and sign-out - every staff
page, the portal and the admin send them there first. Runs after django-otp's middleware."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from clinic.second_factor import factor_required, has_factor


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not _open_path(request.path):
            if factor_required(user):
                target = "accounts:verify" if has_factor(user) else "accounts:enrol"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


def _open_path(path: str) -> bool:
    """The pages of the factor step itself, sign-out and static files."""
    open_paths = (
        reverse("accounts:verify"), reverse("accounts:enrol"), reverse("logout"),
        reverse("admin:logout"), "/" + settings.STATIC_URL.lstrip("/"),
    )
    return path.startswith(open_paths)
