"""Practitioner: my day, session log, progress."""

from django.urls import path

from practice import clients_views, glass_views, uncomplete_views, views
from practice import paperwork_views as paperwork

app_name = "practice"
urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("my-retention/", views.my_retention, name="my_retention"),
    path("clients/", clients_views.my_clients, name="my_clients"),
    path("sessions/<int:session_id>/", views.session_log, name="session_log"),
    path("sessions/<int:session_id>/suggestion/", views.session_suggestion, name="session_suggestion"),
    path("sessions/<int:session_id>/complete/", views.complete_session, name="complete_session"),
    path("sessions/<int:session_id>/uncomplete/", uncomplete_views.uncomplete_session,
         name="uncomplete_session"),
    path("sessions/<int:session_id>/break-glass/", glass_views.break_glass, name="break_glass"),
    path("plans/<int:plan_id>/", views.plan_progress, name="plan_progress"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("photos/<int:photo_id>/<slug:variant>/", views.photo, name="photo"),
    # The client's paperwork answers and review (R17).
    path("clients/<int:client_id>/paperwork/", paperwork.answers, name="paperwork"),
    path("clients/<int:client_id>/paperwork/<int:paperwork_id>/clear/", paperwork.clear_review,
         name="paperwork_clear"),
    path("clients/<int:client_id>/paperwork/<int:paperwork_id>/copy.pdf", paperwork.pdf,
         name="paperwork_pdf"),
]
