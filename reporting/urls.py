from django.urls import path  # noqa: F401 - each area adds its routes below

from reporting.views import records, sharing

app_name = "reporting"

urlpatterns: list = []

# Reading records and sharing (issue #3)
urlpatterns += [
    path("", records.IncidentListView.as_view(), name="incident-list"),
    path("<int:pk>/", records.IncidentDetailView.as_view(), name="incident-detail"),
    path("standing/", sharing.StandingView.as_view(), name="standing-detail"),
    path("sharing/", sharing.SharingMatrixView.as_view(), name="sharing-matrix"),
    path("access-log/", sharing.AccessLogView.as_view(), name="accessevent-list"),
    path("exclusions/", sharing.ExclusionListView.as_view(), name="exclusion-list"),
]
