"""Staff pages of the aftercare outbox, mounted at /aftercare/."""

from django.urls import path

from frontdesk import outbox_views as views

app_name = "aftercare"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("clients/<int:client_id>/", views.client_messages, name="client_messages"),
    path("messages/<int:reminder_id>/resend/", views.resend, name="resend"),
]
