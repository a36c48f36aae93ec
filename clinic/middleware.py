"""Pages render times in the local time, and money and dates in the locale, of the viewer's
clinic: the staff member's current clinic, or the client's clinic of record. Pages about
another clinic (a manager's calendar of a second clinic) still convert explicitly with that
clinic's zone."""

from django.utils import timezone, translation

from clinic import locale_format
from clinic.access import client_profile, current_clinic


class ClinicTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        clinic, language = None, None
        if request.user.is_authenticated:
            clinic = current_clinic(request)
            if clinic is None and (client := client_profile(request.user)) is not None:
                clinic, language = client.clinic, client.message_language
        if clinic is None:
            return self.get_response(request)
        # Money and dates follow the same clinic's locale; a client's pages their language (R20).
        with timezone.override(clinic.tz), locale_format.override(clinic.locale), \
                translation.override(language or translation.get_language()):
            return self.get_response(request)
