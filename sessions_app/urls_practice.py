"""Practitioner: my day, session log, progress (issue 5)."""

app_name = "practice"
urlpatterns: list = []
