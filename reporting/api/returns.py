"""Monthly returns of the caller's participant: list, submit, nil return ("nothing to report"),
reopen. The secretariat lists every participant's returns (coverage), and changes none."""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Role, User
from reporting.api.base import ApiView
from reporting.api.docs import (
    CURSOR_PARAMETER,
    INVALID,
    KEY_REUSED,
    NOT_FOUND,
    PAGE_SIZE_PARAMETER,
    READ_ERRORS,
    STATE_CONFLICT,
    WRITE_ERRORS,
    page_of,
    query_enum,
)
from reporting.api.idempotency import IDEMPOTENCY_OPTIONAL_PARAMETER, idempotent
from reporting.api.pagination import ApiCursorPagination
from reporting.api.parsers import JSONParser
from reporting.api.permissions import CanSubmitReturns
from reporting.api.serializers import MONTH_PATTERN, ChoiceField, ReturnOutputSerializer, TextField
from reporting.models import Return
from reporting.services.returns import return_reopen, return_submit, return_submit_nil

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONTH_PARAMETER = OpenApiParameter("month", str, OpenApiParameter.PATH, pattern=MONTH_PATTERN, description="YYYY-MM")
RETURN_EXAMPLE = {
    "participant": "AUS",
    "month": "2026-09",
    "status": "submitted",
    "is_nil": False,
    "due_on": "2026-10-15",
    "submitted_at": "2026-10-03T05:12:00Z",
}


def _month(value: str) -> dt.date:
    match = MONTH.match(value)
    if not match or int(match.group(1)) < 1:
        raise Http404
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _returns_for(user: User):
    """Returns are the unit of contribution: a participant's own, or every one for the secretariat."""
    returns = Return.objects.select_related("participant")
    if user.role == Role.SECRETARIAT:
        return returns
    return returns.filter(participant_id=user.participant_id) if user.participant_id else returns.none()


def _own_participant(user: User):
    if user.participant is None:
        raise PermissionDenied(_("Only the focal point of a participant submits its returns."))
    return user.participant


class ReturnPagination(ApiCursorPagination):
    ordering = ("-month", "-id")


class ReturnListApi(ApiView):
    class FilterSerializer(serializers.Serializer):
        participant = TextField(max_length=10, required=False, help_text="Secretariat only: a code.")
        status = ChoiceField(choices=Return.Status.choices, required=False)

    @extend_schema(
        operation_id="returns_list",
        tags=["returns"],
        summary="List monthly returns",
        parameters=[
            OpenApiParameter("participant", str, OpenApiParameter.QUERY, description="A participant code."),
            OpenApiParameter(
                "status",
                str,
                OpenApiParameter.QUERY,
                enum=query_enum(Return.Status.values),
                description="open or submitted.",
            ),
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: page_of("ReturnPage", ReturnOutputSerializer), 400: INVALID, **READ_ERRORS},
        examples=[
            OpenApiExample(
                "a page", response_only=True, value={"next": None, "previous": None, "results": [RETURN_EXAMPLE]}
            )
        ],
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        returns = _returns_for(request.user)
        if "participant" in filters.validated_data:
            returns = returns.filter(participant__code=filters.validated_data["participant"].upper())
        if "status" in filters.validated_data:
            returns = returns.filter(status=filters.validated_data["status"])
        paginator = ReturnPagination()
        page = paginator.paginate_queryset(returns, request, view=self)
        return paginator.get_paginated_response(ReturnOutputSerializer(page, many=True).data)


class ReturnDetailApi(ApiView):
    @extend_schema(
        operation_id="returns_retrieve",
        tags=["returns"],
        summary="Your participant's return for a month",
        parameters=[MONTH_PARAMETER],
        responses={200: ReturnOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
        examples=[OpenApiExample("submitted", value=RETURN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, month: str) -> Response:
        ret = _returns_for(request.user).filter(participant_id=request.user.participant_id, month=_month(month)).first()
        if ret is None:
            raise Http404
        return Response(ReturnOutputSerializer(ret).data)


class ReturnActionApi(ApiView):
    """`submit` the month with its validated records, say `nil` (nothing to report), or `reopen` it
    (with a reason, kept in its history). Focal point only; the month must be over. With an
    Idempotency-Key, a retried step replays its first answer instead of answering 400."""

    # The body (a reason for `reopen`; nothing for the others) is read for every action; a form body,
    # as a browser's or a plain HTTP client's, is read as well as JSON.
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReturnAction"

        reason = TextField(max_length=4000, required=False, allow_blank=True, help_text="For `reopen`.")

    ACTIONS = ("submit", "nil", "reopen")
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanSubmitReturns]

    @extend_schema(
        operation_id="returns_action",
        tags=["returns"],
        summary="Submit, submit as nil, or reopen a month's return",
        parameters=[
            MONTH_PARAMETER,
            OpenApiParameter(
                "action",
                str,
                OpenApiParameter.PATH,
                enum=list(ACTIONS),
                description="`submit` (with its validated records), `nil` (nothing to report) or `reopen`.",
            ),
            IDEMPOTENCY_OPTIONAL_PARAMETER,
        ],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(ReturnOutputSerializer, description="The return after the step."),
            404: NOT_FOUND,
            409: STATE_CONFLICT,
            422: KEY_REUSED,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample("reopen", request_only=True, value={"reason": "A record of 3 September was found late."}),
            OpenApiExample("submitted", value=RETURN_EXAMPLE, response_only=True),
        ],
    )
    @idempotent(required=False)
    def post(self, request: Request, month: str, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        first_day = _month(month)
        participant = _own_participant(request.user)
        data = self.InputSerializer(data=request.data)  # every action's body is an object, checked
        data.is_valid(raise_exception=True)
        if action == "nil":
            ret = return_submit_nil(participant=participant, month=first_day, submitted_by=request.user)
        else:
            ret = _returns_for(request.user).filter(participant=participant, month=first_day).first()
            if ret is None:
                raise Http404
            if action == "submit":
                ret = return_submit(ret=ret, submitted_by=request.user)
            else:
                ret = return_reopen(ret=ret, reopened_by=request.user, reason=data.validated_data.get("reason", ""))
        return Response(ReturnOutputSerializer(ret).data)
