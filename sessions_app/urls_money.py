"""Deposits, bills, worklists, day sheet (issue 4)."""

app_name = "money"
urlpatterns: list = []
