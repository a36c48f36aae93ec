"""The second-factor pages (R18) and the managers' Team page. The rules are in
clinic.second_factor, clinic.lockout and clinic.throttle; these views only wire them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import CodeForm, EnrolForm
from clinic import lockout, second_factor, throttle
from clinic.access import staff_clinics, staff_required
from clinic.forms_auth import SignInForm
from clinic.models import Role, StaffProfile
from clinic.redirects import next_url


class SiteNextMixin:
    """Django's sign-in and sign-out pages follow `next` by Pigment's one rule (a path on
    this site), not only by Django's host check."""

    def get_redirect_url(self):
        return next_url(self.request, "")


class SignInView(SiteNextMixin, auth_views.LoginView):
    authentication_form = SignInForm


class SignOutView(SiteNextMixin, auth_views.LogoutView):
    pass


@login_required
def verify(request):
    """The sign-in's second step: a code from the app or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(next_url(request, reverse("signed_in")))
    if not second_factor.has_factor(user):
        return redirect(f"{reverse('accounts:enrol')}?{request.GET.urlencode()}")
    if throttle.is_blocked(throttle.FACTOR, request, user.get_username()):
        return throttle.too_many(request)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if second_factor.verify(request, form.cleaned_data["code"]):
            return redirect(next_url(request, reverse("signed_in")))
        throttle.count(throttle.FACTOR, request, user.get_username())
        form.add_error("code", "That code did not work. Check the time on your phone and try again.")
    return render(request, "accounts/verify.html", {
        "form": form, "next": next_url(request, ""), "factor_step": True,
    })


@login_required
def enrol(request):
    """Set up the authenticator app: QR code and secret, confirmed with a code; then the
    recovery codes, shown this once. With a factor already in place, only a verified session
    may replace it (a password alone must not swap in the attacker's phone)."""
    user = request.user
    if second_factor.has_factor(user) and not user.is_verified():
        return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
    if throttle.is_blocked(throttle.FACTOR, request, user.get_username()):
        return throttle.too_many(request)
    device = second_factor.pending_device(user)
    form = EnrolForm(request.POST or None)
    if form.is_valid():
        codes = second_factor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {
                "codes": codes, "continue_url": next_url(request, reverse("signed_in")), "factor_step": True,
            })
        throttle.count(throttle.FACTOR, request, user.get_username())
        form.add_error("code", "That code did not match. Check the time on your phone and try again.")
    return render(request, "accounts/enrol.html", {
        "form": form, "qr_svg": second_factor.qr_svg(device),
        "secret": second_factor.secret_text(device), "next": next_url(request, ""),
        "replacing": second_factor.has_factor(user), "factor_step": not user.is_verified(),
    })


def _colleagues(manager):
    """Staff at the manager's clinics (superusers are nobody's colleague here)."""
    return (
        StaffProfile.objects.filter(clinics__in=staff_clinics(manager), user__is_superuser=False)
        .exclude(user=manager).select_related("user").prefetch_related("clinics").distinct()
    )


def _colleague(manager, user_id):
    profile = _colleagues(manager).filter(user_id=user_id).first()
    if profile is None:
        raise Http404("No such colleague.")
    shared = [c for c in profile.clinics.all() if c in set(staff_clinics(manager))]
    return profile.user, (shared[0] if shared else None)


@staff_required(Role.MANAGER)
def team(request):
    profiles = list(_colleagues(request.user).order_by("user__last_name", "user__first_name"))
    users = [p.user for p in profiles]
    with_factor = second_factor.users_with_factor(users)
    locked = lockout.locked_usernames(u.get_username() for u in users)
    rows = [
        {"profile": p, "user": p.user, "has_factor": p.user.pk in with_factor,
         "locked": p.user.get_username() in locked}
        for p in profiles
    ]
    return render(request, "accounts/team.html", {"rows": rows})


@require_POST
@staff_required(Role.MANAGER)
def reset_factor(request, user_id):
    colleague, clinic = _colleague(request.user, user_id)
    second_factor.reset_factor(request, colleague, clinic=clinic)
    messages.success(
        request, f"{colleague.get_full_name() or colleague.get_username()} will set up a new "
        "authenticator app at their next sign-in.",
    )
    return redirect("accounts:team")


@require_POST
@staff_required(Role.MANAGER)
def unlock(request, user_id):
    colleague, clinic = _colleague(request.user, user_id)
    lockout.unlock(request, colleague, clinic=clinic)
    messages.success(request, f"{colleague.get_full_name() or colleague.get_username()} can sign in again.")
    return redirect("accounts:team")
