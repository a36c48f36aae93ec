"""Applies clinic.throttle to doors by URL name, so the views behind them (Django's
password reset, the portal's invitation accept) stay as they are wherever they live."""

from clinic import throttle

# URL name -> (limit, which request data names the account, methods counted)
DOORS = {
    "password_reset": (
        throttle.PASSWORD_RESET, lambda request, kwargs: request.POST.get("email"), {"POST"},
    ),
    # Every look at an invitation counts: a guessed token is a GET.
    "portal:accept_invitation": (
        throttle.INVITATION, lambda request, kwargs: kwargs.get("token"), {"GET", "POST"},
    ),
}


class ThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        door = DOORS.get(match.view_name) if match else None
        if door is None:
            return None
        limit, account_of, methods = door
        if request.method not in methods:
            return None
        account = account_of(request, view_kwargs)
        if throttle.is_blocked(limit, request, account):
            return throttle.too_many(request)
        throttle.count(limit, request, account)
        return None
