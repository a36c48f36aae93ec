"""The manager's import page (R20): upload a CSV or XLSX, see the first rows and every problem
by line (a dry run), then import. The upload waits in private storage between the two steps,
named by a random token kept in the manager's own session."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import current_clinic, staff_required
from clinic.client_import import COLUMNS, ImportFileError, import_clients
from clinic.models import Role

manager_required = staff_required(Role.MANAGER)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SESSION_KEY = "client_import"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="UTF-8 CSV (comma or semicolon) or an Excel workbook; the first line names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("Choose a .csv or .xlsx file.")
        return upload


def _clinic_or_404(request):
    clinic = current_clinic(request)
    if clinic is None:
        raise Http404("No clinic.")
    return clinic


@manager_required
def client_import(request: HttpRequest) -> HttpResponse:
    """Upload and dry run: nothing is written to the clinic yet."""
    clinic = _clinic_or_404(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"clinic": clinic, "form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = import_clients(data, clinic, filename=upload.name, dry_run=True)
        except ImportFileError as error:
            form.add_error("file", str(error))
            return render(request, "frontdesk/client_import.html", context, status=400)
        context["report"] = report
        if report.ok and report.to_create:
            token = secrets.token_urlsafe(24)
            default_storage.save(f"imports/{token}", ContentFile(data))
            request.session[SESSION_KEY] = {"token": token, "clinic": clinic.pk, "name": upload.name}
            context["token"] = token
    return render(request, "frontdesk/client_import.html", context)


@manager_required
@require_POST
def client_import_confirm(request: HttpRequest) -> HttpResponse:
    """The real import of the file checked a moment ago, all or nothing."""
    clinic = _clinic_or_404(request)
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if not token or token != pending.get("token") or pending.get("clinic") != clinic.pk:
        messages.error(request, "That upload is no longer waiting: choose the file again.")
        return redirect("frontdesk:client_import")
    path = f"imports/{token}"
    try:
        with default_storage.open(path, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        messages.error(request, "That upload is no longer waiting: choose the file again.")
        return redirect("frontdesk:client_import")
    report = import_clients(data, clinic, filename=pending.get("name", ""), by=request.user)
    default_storage.delete(path)
    del request.session[SESSION_KEY]
    if not report.ok:
        # The clinic changed between the dry run and now: show what is wrong, write nothing.
        return render(request, "frontdesk/client_import.html",
                      {"clinic": clinic, "form": ImportForm(), "columns": COLUMNS, "report": report})
    messages.success(request, report.summary())
    return redirect("frontdesk:client_list")
