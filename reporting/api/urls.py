"""The REST API, mounted at /api/v1/ (schema: /api/schema/, docs: /api/docs/).

Imports (CSV/XLSX batches) are a separate issue: their routes go here, as
`imports/` (list, upload with an Idempotency-Key) and `imports/<int:pk>/` (status and row outcomes),
calling the import services; nothing is served for them yet.
"""

from django.urls import path

from reporting.api import incidents, me, participants, reference

app_name = "api"

urlpatterns: list = [
    path("me/", me.MeApi.as_view(), name="me"),
    path("reference/", reference.ReferenceListApi.as_view(), name="reference-list"),
    path("reference/<str:name>/", reference.ReferenceDetailApi.as_view(), name="reference-detail"),
    path("participants/", participants.ParticipantListApi.as_view(), name="participant-list"),
    path("participants/<str:code>/", participants.ParticipantDetailApi.as_view(), name="participant-detail"),
    path("participants/<str:code>/status/", participants.ParticipantStatusApi.as_view(), name="participant-status"),
    path("incidents/", incidents.IncidentListApi.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", incidents.IncidentDetailApi.as_view(), name="incident-detail"),
]
