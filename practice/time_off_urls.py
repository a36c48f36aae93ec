"""A practitioner's time off. Mounted at /practice/time-off/."""

from django.urls import path

from practice import time_off_views as views

app_name = "time_off"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:time_off_id>/withdraw/", views.withdraw, name="withdraw"),
]
