"""The URLs the API benchmark's gunicorn serves: the whole project, plus `/bench/incidents/`, the
incident list's first page as a bare Django view without DRF. It does the same work as
`GET /api/v1/incidents/?page_size=50` (the same token check, the rule's `visible_incidents`, the
same query of plain values and rendering of the records (`incident_records`), the access log) so the
difference is what DRF costs (its request, authentication, permission and throttle classes, the
filter parameters' check, cursor pagination and its renderer)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from accounts.api_tokens import TokenRejected, api_token_authenticate
from config.urls import urlpatterns as site_urlpatterns
from reporting.api.serializers import INCIDENT_VALUES, incident_records
from reporting.models import AccessEvent, Incident
from reporting.reciprocity import record_access, visible_incidents

PAGE = 50


def incident_list_bare(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Authorization", "")
    try:
        token = api_token_authenticate(raw=header.removeprefix("Bearer "), client_ip=request.META["REMOTE_ADDR"])
    except TokenRejected as rejected:
        return JsonResponse({"errors": [{"field": None, "code": rejected.code, "message": str(rejected)}]}, status=401)
    rows = list(visible_incidents(token.user).order_by("-id").values(*INCIDENT_VALUES)[: PAGE + 1])
    page = rows[:PAGE]
    shown = [Incident.from_db(None, ["id", "participant_id"], (row["id"], row["participant_id"])) for row in page]
    record_access(user=token.user, incidents=shown, via=AccessEvent.Via.API)
    following = f"?after={page[-1]['id']}" if len(rows) > PAGE else None
    return JsonResponse({"next": following, "previous": None, "results": incident_records(page)})


urlpatterns = [path("bench/incidents/", incident_list_bare), *site_urlpatterns]
