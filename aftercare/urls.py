"""Staff views of a client's messages (issue 6)."""

app_name = "aftercare"
urlpatterns: list = []
