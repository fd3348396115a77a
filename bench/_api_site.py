"""The URLs the API benchmark's gunicorn serves: the whole project, plus `/bench/incidents/`, the
incident list's first page as a bare Django view without DRF. It does the same work as
`GET /api/v1/incidents/?page_size=50` (the same token check, the rule's `visible_incidents` choosing
the page, the access log, the same records written by PostgreSQL (`incident_record_texts`) and
encoded by orjson) so the difference is what DRF costs (its request, authentication, permission and
throttle classes, the filter parameters' check, cursor pagination and its renderer)."""

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from accounts.api_tokens import TokenRejected, api_token_authenticate
from config.urls import urlpatterns as site_urlpatterns
from reporting.api.records import incident_record_texts
from reporting.models import AccessEvent
from reporting.reciprocity import record_access, visible_incidents

PAGE = 50


def incident_list_bare(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    try:
        token = api_token_authenticate(raw=header.removeprefix("Bearer "), client_ip=request.META["REMOTE_ADDR"])
    except TokenRejected as rejected:
        return JsonResponse({"errors": [{"field": None, "code": rejected.code, "message": str(rejected)}]}, status=401)
    rows = list(visible_incidents(token.user).order_by("-id").values("id", "participant_id")[: PAGE + 1])
    page = rows[:PAGE]
    record_access(user=token.user, incidents=page, via=AccessEvent.Via.API)
    following = f"?after={page[-1]['id']}" if len(rows) > PAGE else None
    texts = incident_record_texts([row["id"] for row in page])
    body = {"next": following, "previous": None, "results": [orjson.Fragment(text) for text in texts]}
    return HttpResponse(orjson.dumps(body), content_type="application/json")


urlpatterns = [path("bench/incidents/", incident_list_bare), *site_urlpatterns]
