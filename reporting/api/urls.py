"""The REST API, mounted at /api/v1/ (schema: /api/schema/, docs: /api/docs/).

Imports (CSV/XLSX batches, issue 5): `imports/` (list; upload with an Idempotency-Key, through
reporting.api.idempotency.idempotent), `imports/<int:pk>/` (status and row outcomes) and
`imports/<int:pk>/<action>/` (import, cancel, check again), calling reporting/imports/services.py.
Aggregates (`aggregates/`, `aggregates/<key>/`) are analytics' (analytics/api.py): config/urls.py
mounts them in this namespace ahead of these routes, since reporting must not import analytics.
"""

from django.urls import path, re_path

from reporting.api import context, imports, incidents, me, participants, reference, returns
from reporting.api.errors import api_not_found
from reporting.linking import api as linking

app_name = "api"

urlpatterns: list = [
    path("me/", me.MeApi.as_view(), name="me"),
    path("reference/", reference.ReferenceListApi.as_view(), name="reference-list"),
    path("reference/<str:name>/", reference.ReferenceDetailApi.as_view(), name="reference-detail"),
    # GET lists, POST invites (secretariat); GET reads; POST a lifecycle step (secretariat).
    path("participants/", participants.ParticipantListApi.as_view(), name="participant-list"),
    path("participants/<str:code>/", participants.ParticipantDetailApi.as_view(), name="participant-detail"),
    path(
        "participants/<str:code>/<str:action>/", participants.ParticipantActionApi.as_view(), name="participant-action"
    ),
    # GET lists, POST creates (IncidentCreateApi extends IncidentListApi); GET reads, PATCH changes.
    path("incidents/", incidents.IncidentCreateApi.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", incidents.IncidentChangeApi.as_view(), name="incident-detail"),
    # Linked incidents (issue 22): before the record's actions, whose <action> would take "links".
    path("incidents/<int:pk>/links/", linking.IncidentLinksApi.as_view(), name="incident-links"),
    path("incidents/<int:pk>/<str:action>/", incidents.IncidentActionApi.as_view(), name="incident-action"),
    path("links/", linking.LinkListApi.as_view(), name="link-list"),
    path("links/<int:pk>/", linking.LinkDetailApi.as_view(), name="link-detail"),
    path("links/<int:pk>/<str:action>/", linking.LinkDecideApi.as_view(), name="link-decide"),
    path("returns/", returns.ReturnListApi.as_view(), name="return-list"),
    path("returns/<str:month>/", returns.ReturnDetailApi.as_view(), name="return-detail"),
    path("returns/<str:month>/<str:action>/", returns.ReturnActionApi.as_view(), name="return-action"),
    # Imports (issue 5): GET lists, POST uploads a file (multipart, Idempotency-Key); GET reads one.
    path("imports/", imports.ImportListApi.as_view(), name="import-list"),
    path("imports/<int:pk>/", imports.ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<int:pk>/<str:action>/", imports.ImportActionApi.as_view(), name="import-action"),
    # National context (issue 22): notes on periods and national profiles, read under the rule.
    path("context/notes/", context.NoteListApi.as_view(), name="context-note-list"),
    path("context/notes/<int:pk>/", context.NoteDetailApi.as_view(), name="context-note-detail"),
    path("context/notes/<int:pk>/<str:action>/", context.NoteActionApi.as_view(), name="context-note-action"),
    path("context/profiles/", context.ProfileListApi.as_view(), name="context-profile-list"),
    path("context/profiles/<int:pk>/", context.ProfileDetailApi.as_view(), name="context-profile-detail"),
    # Anything else under /api/v1/: a JSON 404 like every other error, not the site's HTML page;
    # [\s\S] and not ".", so that an address with an encoded line break (%0A) is caught too.
    re_path(r"^(?P<path>[\s\S]*)$", api_not_found, name="not-found"),
]
