"""The API of linked incidents (docs/api.md, "Linked incidents"): a focal point lists its
participant's links and confirms or rejects them; any reader of a record lists its confirmed links.
A link or record outside the reciprocity rule answers 404, like one that does not exist."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role, User
from reporting import reciprocity
from reporting.api.base import ApiView
from reporting.api.docs import INVALID, NOT_FOUND, READ_ERRORS, STATE_CONFLICT, WRITE_ERRORS, query_enum
from reporting.api.errors import Conflict
from reporting.api.serializers import TextField
from reporting.linking import selectors, services
from reporting.linking.models import IncidentLink
from reporting.models import AccessEvent

ONLY_FOCAL_POINTS = _("Only a focal point lists and decides its participant's links.")


def _require_focal_point(user: User) -> None:
    if user.role != Role.FOCAL_POINT:
        raise PermissionDenied(ONLY_FOCAL_POINTS)


class LinkedRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    participant = TextField(source="participant.code", help_text="The owner's code.")
    national_reference = TextField()
    detection_date = serializers.DateField()
    migrants_total = serializers.IntegerField()


class LinkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=IncidentLink.Status.choices)
    first = LinkedRecordSerializer(help_text="The record detected first: totals count the venture under it.")
    second = LinkedRecordSerializer(help_text="The record counted as a linked duplicate once confirmed.")
    first_decision = serializers.ChoiceField(choices=IncidentLink.Decision.choices)
    second_decision = serializers.ChoiceField(choices=IncidentLink.Decision.choices)
    days_apart = serializers.IntegerField()
    same_route = serializers.BooleanField(help_text="Same origin and intended destination.")
    shared_transit = serializers.BooleanField(help_text="A transit country in common.")
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class OtherRecordSerializer(serializers.Serializer):
    link = serializers.IntegerField(source="link_id")
    incident = serializers.IntegerField(source="incident_id")
    participant = TextField(source="participant_name")
    national_reference = TextField()
    detection_date = serializers.DateField()


LINK_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="The link's id.")
RECORD_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="The record's id.")


class LinkListApi(ApiView):
    @extend_schema(
        operation_id="links_list",
        tags=["links"],
        summary="Your participant's links to other participants' records (focal point)",
        description=(
            "Links proposed between a record of your participant and a record of another participant that "
            "both read under the reciprocity rule, newest first (at most 500)."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                str,
                OpenApiParameter.QUERY,
                enum=query_enum(IncidentLink.Status.values),
                description="Only these.",
            )
        ],
        responses={200: LinkOutputSerializer(many=True), 400: INVALID, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _require_focal_point(request.user)
        status = request.query_params.get("status") or None
        if status is not None and status not in IncidentLink.Status.values:
            raise serializers.ValidationError({"status": [_("Choose proposed, confirmed or rejected.")]})
        links = selectors.link_list(user=request.user, status=status)[:500]
        return Response(LinkOutputSerializer(links, many=True).data)


class LinkDetailApi(ApiView):
    @extend_schema(
        operation_id="links_retrieve",
        tags=["links"],
        summary="One of your participant's links (focal point)",
        parameters=[LINK_ID],
        responses={200: LinkOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        link = selectors.link_get_for(user=request.user, pk=pk)  # the rule first: 404 outside it
        _require_focal_point(request.user)
        return Response(LinkOutputSerializer(link).data)


class LinkDecideApi(ApiView):
    ACTIONS = ("confirm", "reject")

    @extend_schema(
        operation_id="links_decide",
        tags=["links"],
        summary="Confirm or reject a link for your participant (focal point)",
        description=(
            "`confirm`: the link is confirmed once both sides confirm; `reject`: the link ends (also a confirmed "
            "one) and is never proposed again."
        ),
        parameters=[
            LINK_ID,
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS), description="The decision."),
        ],
        request=None,
        responses={200: LinkOutputSerializer, 404: NOT_FOUND, 409: STATE_CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        link = selectors.link_get_for(user=request.user, pk=pk)  # the rule first: 404 outside it
        _require_focal_point(request.user)
        try:
            link = services.link_decide(user=request.user, link=link, confirm=action == "confirm")
        except services.LinkError as error:
            raise Conflict(str(error)) from error
        return Response(LinkOutputSerializer(selectors.link_get_for(user=request.user, pk=link.pk)).data)


class IncidentLinksApi(ApiView):
    @extend_schema(
        operation_id="incidents_links",
        tags=["incidents"],
        summary='The record\'s confirmed links ("also reported by")',
        description="Only links to records you read too; a record you may not read answers 404.",
        parameters=[RECORD_ID],
        responses={200: OtherRecordSerializer(many=True), 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        with transaction.atomic():
            incident = reciprocity.incident_get_for(request.user, pk)
            others = selectors.incident_links(user=request.user, incident=incident)
            reciprocity.record_access(
                user=request.user, incidents=[incident, *selectors.access_rows(others)], via=AccessEvent.Via.API
            )
        return Response(OtherRecordSerializer(others, many=True).data)
