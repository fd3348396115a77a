from django.urls import path  # noqa: F401 - dashboards add their routes below

app_name = "analytics"

urlpatterns: list = []
