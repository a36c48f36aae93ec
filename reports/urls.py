"""The managers' reports, mounted at /reports/. Each page of the access log has a CSV twin
(`/csv/`, or `?format=csv`) that downloads the filtered rows."""

from django.urls import path

from reports import figures_views, system, views

app_name = "reports"
urlpatterns = [
    path("", figures_views.overview, name="overview"),
    path("csv/", figures_views.overview, {"as_csv": True}, name="overview_csv"),
    path("system/", system.system, name="system"),
    path("access/", views.access_index, name="access"),
    path("access/csv/", views.access_index, {"as_csv": True}, name="access_csv"),
    path("access/clients/<int:client_id>/", views.access_client, name="access_client"),
    path("access/clients/<int:client_id>/csv/", views.access_client, {"as_csv": True},
         name="access_client_csv"),
    path("access/staff/<int:user_id>/", views.access_staff, name="access_staff"),
    path("access/staff/<int:user_id>/csv/", views.access_staff, {"as_csv": True}, name="access_staff_csv"),
]
# The figure reports (R19): a page and its CSV each.
for _name in ("retention", "attendance", "conversion", "deposits", "revenue", "aftercare"):
    _view = getattr(figures_views, _name)
    urlpatterns += [
        path(f"{_name}/", _view, name=_name),
        path(f"{_name}/csv/", _view, {"as_csv": True}, name=f"{_name}_csv"),
    ]
