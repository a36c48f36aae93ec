"""The client portal (R14: a client reaches only their own plan, sessions, aftercare and
deposits). Every lookup starts from the signed-in user's Client row, so another client's id
is a 404. Phone first: one column, the aftercare window at the top when it is open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from aftercare.messages import render_reminder
from aftercare.models import Reminder, ReminderStatus
from aftercare.window import AftercareWindow, aftercare_window
from clinic import audit, paperwork, portal
from clinic.access import client_profile, client_required, get_client_for, staff_required
from clinic.client_data import client_data_zip
from clinic.clinic_time import client_day, client_moment, client_time, day_label, local_date
from clinic.locale_format import format_money
from clinic.models import Client, PlanStatus, Role, SlotRequestStatus, TreatmentPlan
from clinic.redirects import next_url
from portal.forms import AcceptInvitationForm, HairlineAgreeForm, PreferencesForm, SlotChoiceForm
from sessions_app import records, rules, slots
from sessions_app.billing import plan_bill
from sessions_app.models import DepositState, HairlineDesign, SessionStatus, TreatmentSession

# What happens at each session, in the clinic's words (from "What to expect").
WHAT_TO_EXPECT = {
    1: "Your practitioner cuts the hair to prepare the scalp, agrees the hairline with you and "
       "lays the foundation of pigment. Plan about three hours.",
    2: "No paperwork this time. Your practitioner checks how well the pigment held, adjusts the "
       "shade if it faded, builds density, fills the gaps left as the first deposits settled and "
       "blends into your existing hair. Now is the time to ask for changes, such as a slightly "
       "lower hairline or a darker shade.",
    3: "The finishing touches: density and blending once the skin has fully healed.",
}


def _client(request) -> Client:
    client = client_profile(request.user)
    if client is None:  # client_required already refused; kept for type checkers
        raise Http404
    return client


_PLAN_ORDER = {PlanStatus.ACTIVE: 0, PlanStatus.QUOTED: 1, PlanStatus.COMPLETED: 2}


def _plans(client: Client) -> list[TreatmentPlan]:
    """The client's plans, the one in progress first."""
    plans = client.plans.exclude(status=PlanStatus.CANCELLED).select_related("clinic").order_by("-created_at")
    return sorted(plans, key=lambda p: _PLAN_ORDER.get(p.status, 3))


def _own_plan(client: Client, plan_id) -> TreatmentPlan:
    return get_object_or_404(TreatmentPlan.objects.select_related("clinic"), pk=plan_id, client=client)


@dataclass
class ThirdSessionPrompt:
    """R13: a quoted third session that is not booked yet."""

    earliest: dt.date
    latest: dt.date
    deposit_amount: str
    deposit_paid: bool
    open_request: object | None


def _third_session_prompt(plan: TreatmentPlan, sessions: list[TreatmentSession]) -> ThirdSessionPrompt | None:
    live = {s.number: s for s in sessions if s.is_live}
    if plan.quoted_sessions < 3 or 3 in live or 2 not in live or plan.status != PlanStatus.ACTIVE:
        return None
    earliest, latest = rules.allowed_window(plan, 3, live[2].starts_at)
    deposits = list(plan.deposits.all())
    request = next((r for r in plan.slot_requests.all() if r.status == SlotRequestStatus.OPEN), None)
    return ThirdSessionPrompt(
        earliest, latest, format_money(plan.clinic.deposit_amount, plan.clinic.currency, plan.clinic.locale),
        any(d.state == DepositState.PAID and d.session_id is None for d in deposits), request,
    )


def _aftercare(sessions: list[TreatmentSession], now) -> tuple[AftercareWindow | None, ...]:
    """(open window, or the last closed one within two weeks for the 'all clear')."""
    done = [s for s in sessions if s.status == SessionStatus.COMPLETED]
    if not done:
        return None, None
    window = aftercare_window(max(done, key=lambda s: s.ends_at))
    if window.is_open(now):
        return window, None
    if window.closes_at <= now < window.closes_at + dt.timedelta(days=14):
        return None, window
    return None, None


@client_required
def home(request):
    client = _client(request)
    plans = _plans(client)
    plan = None
    if request.GET.get("plan"):
        plan = next((p for p in plans if str(p.pk) == request.GET["plan"]), None)
        if plan is None:
            raise Http404("No such plan.")
    plan = plan or (plans[0] if plans else None)
    context = {"client": client, "plans": plans, "plan": plan, "now": timezone.now(),
               "paperwork_needed": paperwork.needs_paperwork(client),
               "paperwork_last": paperwork.last_completed(client)}
    if plan is not None:
        sessions = list(plan.sessions.select_related("clinic").order_by("number", "starts_at"))
        live = [s for s in sessions if s.is_live]
        upcoming = [s for s in live if s.status == SessionStatus.BOOKED and s.ends_at > context["now"]]
        open_window, closed_window = _aftercare(sessions, context["now"])
        done = sum(1 for s in live if s.status == SessionStatus.COMPLETED)
        context.update(
            sessions=live, upcoming=upcoming, next_session=upcoming[0] if upcoming else None,
            done=done, progress=round(100 * done / plan.quoted_sessions),
            open_window=open_window, closed_window=closed_window,
            third=_third_session_prompt(plan, sessions),
            expect=WHAT_TO_EXPECT.get(upcoming[0].number, WHAT_TO_EXPECT[3]) if upcoming else "",
            bill=plan_bill(plan), clinic=plan.clinic,
            # R11: every version, the latest first, with how it was signed off.
            designs=list(plan.hairline_designs.select_related("signed_off_witness").order_by("-version")),
        )
        if open_window:
            tz = plan.clinic.tz
            context["window_until"] = client_moment(
                open_window.closes_at, tz, reference=local_date(context["now"], tz)
            )
            context["window_day"] = open_window.day_number(context["now"])
        # The client reading their own treatment record is on the record too (R18).
        audit.record_read(request, client=client, what=f"Own plan in the portal: "
                          f"{plan.get_treatment_area_display()}", obj=plan)
    return render(request, "portal/home.html", context)


@client_required
def session_ics(request, session_id):
    """The session as a calendar file (icalendar), for the client's own sessions only."""
    session = get_object_or_404(
        TreatmentSession.objects.live().select_related("clinic", "plan", "client"),
        pk=session_id, client=_client(request),
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Pigment//Client portal//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"session-{session.pk}@pigment")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(session.clinic.tz))
    event.add("dtend", session.ends_at.astimezone(session.clinic.tz))
    event.add("summary", f"SMP session {session.number} of {session.plan.quoted_sessions} - "
                         f"{session.clinic.name}")
    event.add("location", session.clinic.address or session.clinic.name)
    event.add("description", WHAT_TO_EXPECT.get(session.number, WHAT_TO_EXPECT[3]))
    calendar.add_component(event)
    audit.record_export(request, what=f"Calendar file (.ics): session {session.number}",
                        client=session.client, obj=session)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pigment-session-{session.number}.ics"'
    return response


@dataclass(frozen=True)
class Offer:
    starts_at: dt.datetime
    ends_at: dt.datetime
    practitioner: object

    @property
    def key(self) -> str:
        return f"{self.starts_at:%Y-%m-%dT%H:%M}"


def _offered_slots(plan: TreatmentPlan) -> list[Offer]:
    """Times inside the third-session window with the practitioner of session 2, checked
    against every booking rule (the same proposal the front desk sees)."""
    second = plan.sessions.live().filter(number=2).select_related("practitioner").first()
    if second is None:
        return []
    # Two times a day, hours apart (a morning and an afternoon), read better than 09:00 and 09:30.
    proposal = slots.propose_slots(
        plan=plan, practitioner=second.practitioner, by=None, count=8, per_day=2,
        min_gap=dt.timedelta(hours=4),
    )
    return [Offer(s.starts_at, s.ends_at, second.practitioner) for s in proposal.slots]


@client_required
def third_session(request, plan_id):
    """R13: choose a time inside the third-session window; the front desk confirms it."""
    client = _client(request)
    plan = _own_plan(client, plan_id)
    sessions = list(plan.sessions.all())
    prompt = _third_session_prompt(plan, sessions)
    if prompt is None:
        messages.info(request, "There is no third session to choose a time for.")
        return redirect("portal:home")
    offered = _offered_slots(plan)
    form = SlotChoiceForm(request.POST or None, slots=offered)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        try:
            portal.request_third_session_slot(
                plan=plan, starts_at=chosen.starts_at, practitioner=chosen.practitioner, offered=offered
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Thank you - we have your request for {client_day(chosen.starts_at.date())} at "
                f"{client_time(chosen.starts_at)}. The clinic confirms it once the booking deposit is paid.",
            )
            return redirect("portal:home")
    return render(request, "portal/third_session.html", {
        "plan": plan, "prompt": prompt, "form": form, "offered": offered,
        "window": f"between {day_label(prompt.earliest)} and {day_label(prompt.latest)}",
    })


@client_required
def hairline_sign_off(request, design_id):
    """R11: the client reads the latest hairline version of their plan and agrees to it.
    Another client's version is a 404; an older or already signed one is not signed again."""
    client = _client(request)
    design = get_object_or_404(
        HairlineDesign.objects.select_related("plan__clinic", "session")
        .exclude(plan__status=PlanStatus.CANCELLED),
        pk=design_id, plan__client=client,
    )
    home = reverse("portal:home")
    if client.plans.exclude(status=PlanStatus.CANCELLED).count() > 1:
        home = f"{home}?plan={design.plan_id}"  # back to this plan, not the one shown first
    latest = design.plan.hairline_designs.order_by("-version").values_list("version", flat=True).first()
    if design.version != latest:
        messages.error(request, _("Version %(old)s of your hairline design has been replaced by "
                                  "version %(new)s: read and agree to the latest one.")
                       % {"old": design.version, "new": latest})
        return redirect(home)
    if design.is_signed_off:
        messages.info(request, _("You have already signed off this hairline design."))
        return redirect(home)
    # An unticked box sends no field at all: bind on the method, not on an empty POST.
    form = HairlineAgreeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            records.client_sign_off_hairline(design, request.user, audit.client_ip(request))
        except records.LogRefused as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you - you have signed off version %(version)s of your "
                                        "hairline design.") % {"version": design.version})
        return redirect(home)
    audit.record_read(request, client=client, what=f"Own hairline design v{design.version} in the portal",
                      obj=design)
    return render(request, "portal/hairline_sign_off.html", {"design": design, "form": form,
                                                              "plan": design.plan})


@client_required
def preferences(request):
    client = _client(request)
    form = PreferencesForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PreferencesForm.Meta.fields}
        portal.update_preferences(client=client, **fields)
        messages.success(request, "Your contact details and message preferences are saved.")
        return redirect("portal:preferences")
    return render(request, "portal/preferences.html", {"form": form, "client": client})


@client_required
def download_data(request):
    """Download my data (R20): the client's own ZIP, recorded in the audit trail."""
    client = _client(request)
    content = client_data_zip(client)
    audit.record_export(request, what="Client's own data (ZIP)", client=client, obj=client)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-pigment-data.zip"'
    response["Cache-Control"] = "no-store"
    return response


def accept_invitation(request, token):
    """Public: the one-time link from the invitation e-mail. Sets the password, signs in."""
    invitation = portal.valid_invitation(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = portal.accept_invitation(token=token, password=form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error(None if getattr(error, "code", None) == "account_exists" else "password1", error)
        else:
            login(request, user, backend="clinic.auth_backends.EmailOrUsernameBackend")
            messages.success(request, "Welcome! Your password is set; sign in with your e-mail from now on.")
            return redirect("portal:home")
    return render(request, "portal/accept_invitation.html", {"form": form, "client": invitation.client})


@require_POST
@staff_required(Role.FRONT_DESK, Role.MANAGER)
def invite(request, client_id):
    client = get_client_for(request.user, client_id)
    try:
        invitation = portal.invite_client(client=client, by=request.user,
                                          base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, (
            f"Invitation sent to {client.email}. The link works for 7 days." if invitation else
            f"{client.full_name} already has a portal login: a link to choose a new password "
            "was sent to the address that login is registered with."
        ))
    return redirect(next_url(request, reverse("frontdesk:client_detail", args=[client.pk])))


@client_required
def messages_page(request):
    """The aftercare and reminder messages sent to the client, newest first, as sent."""
    client = _client(request)
    reminders = (
        Reminder.objects.filter(client=client, status=ReminderStatus.SENT)
        .select_related("step", "client", "session__clinic", "session__plan")
        .order_by("-sent_at")[:30]
    )
    sent = []
    for reminder in reminders:
        message = render_reminder(reminder)
        sent.append({"reminder": reminder, "subject": message.subject, "text": message.text or message.sms})
    return render(request, "portal/messages.html", {"client": client, "sent": sent})
