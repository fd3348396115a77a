"""The URLs the API benchmark's gunicorn serves: the whole project, plus `/bench/incidents/`, the
incident list's first page as a bare Django view without DRF. It does the same work as
`GET /api/v1/incidents/?page_size=50` (the same token check, the rule's `visible_incidents`, the
same related rows, the access log, the same JSON fields) so the difference is what DRF costs."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from accounts.api_tokens import TokenRejected, api_token_authenticate
from config.urls import urlpatterns as site_urlpatterns
from reporting.api.serializers import INCIDENT_PREFETCH, INCIDENT_RELATED
from reporting.models import AccessEvent, Incident
from reporting.reciprocity import record_access, visible_incidents

PAGE = 50


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _row(i: Incident) -> dict:
    return {
        "id": i.pk,
        "participant": i.participant.code,
        "month": i.ret.month.isoformat(),
        "status": i.status,
        "version": i.version,
        "national_reference": i.national_reference,
        "agency": i.agency_id,
        "agency_name": i.agency.name if i.agency else None,
        "sharing_level": i.sharing_level,
        "embargo_until": i.embargo_until.isoformat() if i.embargo_until else None,
        "categories": i.categories,
        "protocol_benefit": i.protocol_benefit,
        "source": i.source,
        "confidence": i.confidence,
        "detection_date": i.detection_date.isoformat(),
        "detection_country": i.detection_country,
        "detection_place": i.detection_place,
        "latitude": _decimal(i.latitude),
        "longitude": _decimal(i.longitude),
        "border_crossing_point": i.border_crossing_point.code if i.border_crossing_point else None,
        "detection_context": i.detection_context,
        "modes": i.modes,
        "methods": i.methods,
        "origin_country": i.origin_country,
        "transit_countries": [t.country for t in i.transits.all()],
        "destination_country": i.destination_country,
        "migrants_total": i.migrants_total,
        "smugglers_total": i.smugglers_total,
        "smuggler_roles": i.smuggler_roles,
        "breakdowns": [
            {k: getattr(b, k) for k in ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")}
            for b in i.breakdowns.all()
        ],
        "fee_per_person": _decimal(i.fee_per_person),
        "fee_currency": i.fee_currency,
        "fee_usd": _decimal(i.fee_usd),
        "fee_scope": i.fee_scope,
        "payment_modality": i.payment_modality,
        "documents": [
            {k: getattr(d, k) for k in ("document_type", "fraud_type", "issuing_country", "count")}
            for d in i.documents.all()
        ],
        "dead": i.dead,
        "missing": i.missing,
        "injured": i.injured,
        "rescued": i.rescued,
        "cause_of_death": i.cause_of_death,
        "abuses": i.abuses,
        "narrative": i.narrative,
        "review_comment": i.review_comment,
        "created_at": i.created_at.isoformat(),
        "updated_at": i.updated_at.isoformat(),
        "submitted_at": i.submitted_at.isoformat() if i.submitted_at else None,
        "validated_at": i.validated_at.isoformat() if i.validated_at else None,
    }


def incident_list_bare(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Authorization", "")
    try:
        token = api_token_authenticate(raw=header.removeprefix("Bearer "), client_ip=request.META["REMOTE_ADDR"])
    except TokenRejected as rejected:
        return JsonResponse({"errors": [{"field": None, "code": rejected.code, "message": str(rejected)}]}, status=401)
    incidents = list(
        visible_incidents(token.user)
        .select_related(*INCIDENT_RELATED)
        .prefetch_related(*INCIDENT_PREFETCH)
        .order_by("-id")[: PAGE + 1]
    )
    page = incidents[:PAGE]
    record_access(user=token.user, incidents=page, via=AccessEvent.Via.API)
    following = f"?after={page[-1].pk}" if len(incidents) > PAGE else None
    return JsonResponse({"next": following, "previous": None, "results": [_row(i) for i in page]})


urlpatterns = [path("bench/incidents/", incident_list_bare), *site_urlpatterns]
