"""The paperwork form (R17): three steps in the portal, and the same form on the clinic's
tablet. A client reaches only their own draft (another id is a 404); the tablet reaches only
the one draft the front desk started on it, and locks itself when it is signed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from clinic import audit
from clinic import paperwork as service
from clinic.access import client_profile, client_required
from clinic.paperwork_models import Paperwork, PaperworkStatus, Via
from portal.paperwork_forms import AboutForm, ConsentForm, QuestionsForm

TABLET_KEY = service.TABLET_SESSION_KEY


def _own(request, paperwork_id) -> Paperwork:
    client = client_profile(request.user)
    rows = Paperwork.objects.select_related("client__clinic")
    return get_object_or_404(rows, pk=paperwork_id, client=client)


def _apply_errors(form, error: service.PaperworkRefused) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def step_page(request, draft: Paperwork, step: int, *, step_url, done_url, tablet: bool) -> HttpResponse:
    """Show or save one step; a refused step is shown again with what was typed."""
    if draft.status != PaperworkStatus.DRAFT:
        return redirect(done_url)
    if step not in service.STEPS or step > draft.step_done + 1:
        return redirect(step_url(min(draft.step_done + 1, 3)))
    data = request.POST if request.method == "POST" else None
    new_keys = request.session.pop("paperwork_new_keys", [])
    if step == 1:
        form = AboutForm(data, initial=AboutForm.initial_from(draft.about))
    elif step == 2:
        form = QuestionsForm(data, questions=draft.questionnaire.questions.all(), new_keys=new_keys,
                             initial=QuestionsForm.initial_from(draft.answers, draft.questionnaire_id))
    else:
        form = ConsentForm(data, consent=draft.consent, initial={
            "typed_name": draft.typed_name, "consent_version": draft.consent_id})
    if data is not None and form.is_valid():
        try:
            if step == 1:
                service.save_about(draft, form.cleaned_data)
            elif step == 2:
                service.save_answers(draft, form.answers(), version_id=form.cleaned_data["version"])
            else:
                service.submit(draft, typed_name=form.cleaned_data["typed_name"],
                               signature=form.cleaned_data["signature"], ticked=form.ticked(),
                               consent_id=form.cleaned_data["consent_version"], ip=audit.client_ip(request))
        except service.PaperworkRefused as error:
            if error.code == "version_changed":
                messages.warning(request, error.messages[0])
                draft.refresh_from_db()
                asked = [q.key for q in draft.questionnaire.questions.all() if q.key not in draft.answers]
                request.session["paperwork_new_keys"] = asked
                return redirect(step_url(2))
            if error.code == "consent_changed":
                messages.warning(request, error.messages[0])
                return redirect(step_url(3))
            _apply_errors(form, error)
        else:
            if step < 3:
                return redirect(step_url(step + 1))
            messages.success(request, "Thank you: your paperwork is complete.")
            return redirect(done_url)
    return render(request, "paperwork/step.html", {
        "draft": draft, "client": draft.client, "form": form, "step": step, "steps": service.STEPS,
        "step_name": service.STEPS[step],
        "percent": round(100 * (step - 1) / len(service.STEPS)), "tablet": tablet,
        "back_url": step_url(step - 1) if step > 1 else None,
        "consent": draft.consent if step == 3 else None,
    })


# --------------------------------------------------------------------------- portal


@client_required
def start(request):
    """The client's paperwork: their draft (made on the clinic's current versions), or the
    completed one when nothing more is needed."""
    client = client_profile(request.user)
    if not service.needs_paperwork(client):
        last = service.last_completed(client)
        if last is not None:
            return redirect("portal:paperwork_done", paperwork_id=last.pk)
    draft = service.draft_for(client, via=Via.ONLINE)
    return redirect("portal:paperwork_step", paperwork_id=draft.pk, step=min(draft.step_done + 1, 3))


@client_required
@never_cache
def step(request, paperwork_id: int, step: int):
    draft = _own(request, paperwork_id)
    return step_page(
        request, draft, step,
        step_url=lambda n: reverse("portal:paperwork_step", args=[draft.pk, n]),
        done_url=reverse("portal:paperwork_done", args=[draft.pk]), tablet=False,
    )


@client_required
def done(request, paperwork_id: int):
    paperwork = _own(request, paperwork_id)
    if paperwork.status != PaperworkStatus.COMPLETED:
        return redirect("portal:paperwork_step", paperwork_id=paperwork.pk, step=paperwork.step_done + 1)
    return render(request, "paperwork/done.html", {"paperwork": paperwork, "client": paperwork.client})


@client_required
def pdf(request, paperwork_id: int):
    paperwork = _own(request, paperwork_id)
    if paperwork.status != PaperworkStatus.COMPLETED:
        raise Http404("Not signed yet.")
    audit.record_export(request, client=paperwork.client, what="Paperwork PDF (own copy)", obj=paperwork)
    return pdf_response(paperwork)


def pdf_response(paperwork: Paperwork) -> HttpResponse:
    response = HttpResponse(bytes(paperwork.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{service.pdf_filename(paperwork)}"'
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- clinic tablet


def _tablet_draft(request) -> Paperwork:
    """The one draft the front desk started on this tablet; anything else is locked."""
    paperwork_id = request.session.get(TABLET_KEY)
    if not paperwork_id:
        raise PermissionDenied("This tablet is locked. Please hand it back to the front desk.")
    return get_object_or_404(Paperwork.objects.select_related("client__clinic"), pk=paperwork_id,
                             status=PaperworkStatus.DRAFT)


@never_cache
def tablet_step(request, step: int):
    if not request.session.get(TABLET_KEY):
        return redirect("portal:tablet_done")
    draft = _tablet_draft(request)
    response = step_page(
        request, draft, step, step_url=lambda n: reverse("portal:tablet_step", args=[n]),
        done_url=reverse("portal:tablet_done"), tablet=True,
    )
    draft.refresh_from_db(fields=["status"])
    if draft.status == PaperworkStatus.COMPLETED:
        request.session.pop(TABLET_KEY, None)  # signed: the tablet locks itself
    return response


@never_cache
def tablet_done(request):
    """The locked tablet: nothing of the client is shown; staff sign in again."""
    request.session.pop(TABLET_KEY, None)
    return render(request, "paperwork/tablet_locked.html")
