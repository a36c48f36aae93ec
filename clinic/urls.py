"""URL map. Each area has its own URL module, owned by the feature that builds it."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import views
from clinic.forms_auth import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("switch-clinic/", views.switch_clinic, name="switch_clinic"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/rota/", include("frontdesk.rota_urls")),
    path("desk/", include("clinic.urls_frontdesk")),
    path("money/", include("sessions_app.urls_money")),
    path("practice/time-off/", include("practice.time_off_urls")),
    path("practice/", include("sessions_app.urls_practice")),
    path("aftercare/", include("aftercare.urls")),
    path("portal/", include("clinic.urls_portal")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
