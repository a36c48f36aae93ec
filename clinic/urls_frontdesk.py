"""Front desk: calendar, clients, plans, booking (issue 3)."""

app_name = "frontdesk"
urlpatterns: list = []
