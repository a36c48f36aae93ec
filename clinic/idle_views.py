"""The idle page's endpoint: GET tells how long the session has left (not activity: the page
asks before warning), POST is "Stay signed in" (activity)."""

from django.http import JsonResponse
from django.views.decorators.http import require_http_methods

from clinic.idle import seconds_left, touch


@require_http_methods(["GET", "POST"])
def idle_ping(request):
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0}, status=401)
    if request.method == "POST":
        touch(request)
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left(request)})
