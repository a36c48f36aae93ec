"""The client's paperwork for practitioners and managers (R17, R14): the answers, what needs
review, clearing a review with a note, and the signed PDF. Every read and download is
recorded in the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic import audit
from clinic import paperwork as service
from clinic.access import get_client_for, role_of, staff_required
from clinic.paperwork_models import Paperwork, PaperworkStatus
from practice.glass_views import require_record
from sessions_app.records import CLINICAL_ROLES


def _clinical_client(request, client_id):
    """The client, and None when the user may read their answers (R14: a practitioner of
    theirs, or after breaking the glass; managers always), else where to go instead."""
    client = get_client_for(request.user, client_id)
    if role_of(request.user) not in CLINICAL_ROLES:
        raise PermissionDenied("Health answers are for the clinic's practitioners and managers.")
    return client, require_record(request, client, client.clinic)


@staff_required()
def answers(request: HttpRequest, client_id: int) -> HttpResponse:
    client, elsewhere = _clinical_client(request, client_id)
    if elsewhere is not None:
        return elsewhere
    paperwork = service.last_completed(client)
    rows = []
    if paperwork is not None:
        rows_ = Paperwork.objects.select_related("questionnaire", "consent", "reviewed_by")
        paperwork = rows_.get(pk=paperwork.pk)
        rows = service.answer_rows(paperwork)
        audit.record_read(request, client=client, what="Questionnaire answers", obj=paperwork)
    return render(request, "paperwork/answers.html", {
        "client": client, "paperwork": paperwork, "rows": rows, "status": service.status_of(client),
        "note": request.POST.get("note", ""),
    })


@staff_required()
@require_POST
def clear_review(request: HttpRequest, client_id: int, paperwork_id: int) -> HttpResponse:
    client, elsewhere = _clinical_client(request, client_id)
    if elsewhere is not None:
        return elsewhere
    paperwork = get_object_or_404(Paperwork, pk=paperwork_id, client=client)
    try:
        service.clear_review(paperwork=paperwork, by=request.user, note=request.POST.get("note", ""))
    except service.PaperworkRefused as error:
        messages.error(request, " ".join(error.messages))
        return answers(request, client_id)
    messages.success(request, f"Review cleared: {client.first_name}'s session 1 can start.")
    return redirect("practice:paperwork", client_id=client.pk)


@staff_required()
def pdf(request: HttpRequest, client_id: int, paperwork_id: int) -> HttpResponse:
    client, elsewhere = _clinical_client(request, client_id)
    if elsewhere is not None:
        return elsewhere
    paperwork = get_object_or_404(Paperwork, pk=paperwork_id, client=client)
    if paperwork.status != PaperworkStatus.COMPLETED:
        raise Http404("Not signed yet.")
    audit.record_export(request, client=client, what="Paperwork PDF", obj=paperwork)
    response = HttpResponse(bytes(paperwork.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{service.pdf_filename(paperwork)}"'
    response["Cache-Control"] = "no-store"
    return response
