"""Paperwork at the front desk (R17): start the form on the clinic's tablet for a client who
is present (never see the answers), and the managers' set-up of the questionnaire and the
consent text (each save is a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic import paperwork as service
from clinic.access import current_clinic, get_client_for, staff_required
from clinic.models import Role
from clinic.paperwork_models import Via
from frontdesk.paperwork_forms import ConsentSetupForm, QuestionFormSet

desk_required = staff_required(Role.FRONT_DESK, Role.MANAGER)
manager_required = staff_required(Role.MANAGER)
QUESTION_FIELDS = ("key", "text", "kind", "choices", "help_text", "required", "review_if_yes")


@desk_required
@require_POST
def start_tablet(request: HttpRequest, client_id: int) -> HttpResponse:
    """Hand this browser (the clinic's tablet) to the client: the staff member is signed
    out and the tablet reaches only this client's form until it is signed."""
    client = get_client_for(request.user, client_id)
    if not service.needs_paperwork(client):
        messages.info(request, f"{client.full_name}'s paperwork is already done.")
        return redirect("frontdesk:client_detail", client_id=client.pk)
    draft = service.draft_for(client, via=Via.TABLET)
    logout(request)
    request.session[service.TABLET_SESSION_KEY] = draft.pk
    return redirect("portal:tablet_step", step=min(draft.step_done + 1, 3))


@manager_required
def setup(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic(request)
    questionnaire = service.current_questionnaire(clinic)
    consent = service.current_consent(clinic)
    return render(request, "paperwork/setup.html", {
        "clinic": clinic, "questionnaire": questionnaire, "questions": questionnaire.questions.all(),
        "consent": consent,
    })


@manager_required
def setup_questions(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic(request)
    current = service.current_questionnaire(clinic)
    initial = [
        {f: getattr(q, f) for f in QUESTION_FIELDS} for q in current.questions.all()
    ]
    formset = QuestionFormSet(request.POST or None, initial=initial, prefix="q")
    if request.method == "POST" and formset.is_valid():
        questions = [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            version = service.new_questionnaire_version(clinic=clinic, by=request.user, questions=questions)
        except service.PaperworkRefused as error:
            formset._non_form_errors = formset.error_class(error.messages)
        else:
            messages.success(request, f"Saved as questionnaire version {version.number}. Forms already "
                                      "signed keep the version they were given on.")
            return redirect("frontdesk:paperwork_setup")
    return render(request, "paperwork/setup_questions.html", {
        "clinic": clinic, "formset": formset, "current": current,
    })


@manager_required
def setup_consent(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic(request)
    current = service.current_consent(clinic)
    initial = {"text": current.text, "statements": current.statements}
    form = ConsentSetupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = service.new_consent_version(clinic=clinic, by=request.user, **form.cleaned_data)
        except service.PaperworkRefused as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Saved as consent version {version.number}.")
            return redirect("frontdesk:paperwork_setup")
    context = {"clinic": clinic, "form": form, "current": current}
    return render(request, "paperwork/setup_consent.html", context)
