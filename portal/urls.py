"""Client portal: the client's own plan, aftercare, sessions and preferences."""

from django.urls import path

from portal import paperwork_views as paperwork
from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("plans/<int:plan_id>/third-session/", views.third_session, name="third_session"),
    path("hairline/<int:design_id>/sign-off/", views.hairline_sign_off, name="hairline_sign_off"),
    path("messages/", views.messages_page, name="messages"),
    path("preferences/", views.preferences, name="preferences"),
    path("my-data.zip", views.download_data, name="download_data"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("invite/<int:client_id>/", views.invite, name="invite"),
    # Paperwork online (R17): the client's three steps, and the clinic tablet's.
    path("paperwork/", paperwork.start, name="paperwork"),
    path("paperwork/<int:paperwork_id>/step/<int:step>/", paperwork.step, name="paperwork_step"),
    path("paperwork/<int:paperwork_id>/done/", paperwork.done, name="paperwork_done"),
    path("paperwork/<int:paperwork_id>/copy.pdf", paperwork.pdf, name="paperwork_pdf"),
    path("tablet/step/<int:step>/", paperwork.tablet_step, name="tablet_step"),
    path("tablet/done/", paperwork.tablet_done, name="tablet_done"),
]
