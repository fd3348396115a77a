from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("records/", views.DrillDownView.as_view(), name="records"),
    path("records/export.<str:fmt>", views.DrillDownExportView.as_view(), name="records-export"),
    path("export/<slug:key>.<str:fmt>", views.ChartExportView.as_view(), name="chart-export"),
]
