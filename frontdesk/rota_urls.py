"""A manager's rota pages: working hours, time off, closures. Mounted at /desk/rota/."""

from django.urls import path

from frontdesk import rota_views as views

app_name = "rota"
urlpatterns = [
    path("", views.start, name="start"),
    path("<int:clinic_id>/", views.week, name="week"),
    path("<int:clinic_id>/hours/<int:user_id>/<int:weekday>/", views.cell, name="cell"),
    path("<int:clinic_id>/hours/<int:user_id>/opening-hours/", views.use_opening_hours,
         name="use_opening_hours"),
    path("<int:clinic_id>/time-off/", views.time_off, name="time_off"),
    path("<int:clinic_id>/time-off/<int:time_off_id>/", views.time_off_review, name="time_off_review"),
    path("<int:clinic_id>/closures/", views.closures, name="closures"),
    path("<int:clinic_id>/sessions/<int:session_id>/move/", views.move_affected, name="move_affected"),
    path("<int:clinic_id>/closures/<int:closure_id>/remove/", views.closure_remove, name="closure_remove"),
]
