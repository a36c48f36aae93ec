"""Client portal (issue 7)."""

app_name = "portal"
urlpatterns: list = []
