"""URL map. Each area has its own URL module, owned by the feature that builds it."""

from django.contrib import admin
from django.urls import include, path

from clinic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("switch-clinic/", views.switch_clinic, name="switch_clinic"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/", include("clinic.urls_frontdesk")),
    path("money/", include("sessions_app.urls_money")),
    path("practice/", include("sessions_app.urls_practice")),
    path("aftercare/", include("aftercare.urls")),
    path("portal/", include("clinic.urls_portal")),
    path("admin/", admin.site.urls),
]
