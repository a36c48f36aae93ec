"""URL map. Each area has its own URL module, owned by the feature that builds it."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import SignInView, SignOutView
from clinic import health, views
from clinic.idle_views import idle_ping

urlpatterns = [
    path("", views.home, name="home"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("switch-clinic/", views.switch_clinic, name="switch_clinic"),
    path("session/ping/", idle_ping, name="idle_ping"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),  # second factor, Team page
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/rota/", include("frontdesk.rota_urls")),
    path("desk/", include("frontdesk.urls")),
    path("money/", include("frontdesk.urls_money")),
    path("practice/time-off/", include("practice.time_off_urls")),
    path("practice/", include("practice.urls")),
    path("aftercare/", include("frontdesk.urls_outbox")),
    path("portal/", include("portal.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),  # no session, no data (clinic.health)
]

# A request too large or malformed for Django to read: a friendly page (clinic.request_limits).
handler400 = "clinic.request_limits.bad_request"
