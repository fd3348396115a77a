from django.urls import path  # noqa: F401 - API routes are added below

app_name = "api"

urlpatterns: list = []
