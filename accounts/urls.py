"""Accounts: the second-factor step (enrol, verify) and the managers' Team page."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("second-factor/", views.verify, name="verify"),
    path("second-factor/enrol/", views.enrol, name="enrol"),
    path("team/", views.team, name="team"),
    path("team/<int:user_id>/reset-factor/", views.reset_factor, name="reset_factor"),
    path("team/<int:user_id>/unlock/", views.unlock, name="unlock"),
]
