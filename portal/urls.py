"""Client portal: the client's own plan, aftercare, sessions and preferences."""

from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("plans/<int:plan_id>/third-session/", views.third_session, name="third_session"),
    path("messages/", views.messages_page, name="messages"),
    path("preferences/", views.preferences, name="preferences"),
    path("my-data.zip", views.download_data, name="download_data"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("invite/<int:client_id>/", views.invite, name="invite"),
]
