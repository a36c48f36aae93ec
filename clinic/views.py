from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import client_profile, role_of, set_current_clinic, staff_required
from clinic.models import Role
from clinic.redirects import next_url

# Where each kind of user starts; anyone else sees the welcome page.
ROLE_HOMES = {
    Role.FRONT_DESK: "frontdesk:home",
    Role.MANAGER: "frontdesk:home",
    Role.PRACTITIONER: "practice:my_day",
}


def home(request):
    """Send each user to their own start page: front desk, practitioner or client portal."""
    if request.user.is_authenticated:
        target = ROLE_HOMES.get(role_of(request.user))
        if target is None and client_profile(request.user) is not None:
            target = "portal:home"
        if target:
            return redirect(target)
    return render(request, "home.html")


@require_POST
@staff_required()
def switch_clinic(request):
    """The clinic switcher: remembered on the user's profile, then back where they were."""
    set_current_clinic(request, request.POST.get("clinic"))
    return redirect(next_url(request, "/"))


@login_required
def signed_in(request):
    """LOGIN_REDIRECT_URL: the role dispatch of `home`."""
    return home(request)
