"""The System page: beat, workers and the outbox backlog (clinic.system_status), the same
report as `manage.py status`. Managers see the outbox of their clinics; superusers all."""

from django.shortcuts import render

from clinic.access import staff_clinics
from clinic.system_status import BEAT_SILENT_AFTER, DUE_WAIT_LIMIT, collect, human
from reports.views import managers_only


@managers_only
def system(request):
    clinics = None if request.user.is_superuser else staff_clinics(request.user)
    return render(request, "reports/system.html", {
        "status": collect(clinics=clinics),
        "beat_limit": human(BEAT_SILENT_AFTER), "due_limit": human(DUE_WAIT_LIMIT),
    })
