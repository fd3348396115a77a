"""National context over the API (issue 22): notes on periods and national profiles.

Reads go through reporting.context.selectors (the rule: a note or profile of a participant whose
data the caller may not read answers 404, like one that does not exist); writes through
reporting.context.services (the participant's own focal point; screened, kept in history, audited).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Participant
from accounts.roles import Action
from reporting.api.base import ApiView
from reporting.api.docs import (
    CURSOR_PARAMETER,
    INVALID,
    KEY_REUSED,
    NOT_FOUND,
    PAGE_SIZE_PARAMETER,
    PRECONDITION_REQUIRED,
    READ_ERRORS,
    STALE_409,
    STALE_412,
    WRITE_ERRORS,
    page_of,
)
from reporting.api.errors import Conflict, PreconditionFailed
from reporting.api.idempotency import IDEMPOTENCY_OPTIONAL_PARAMETER, IF_MATCH_PARAMETER, expected_version, idempotent
from reporting.api.pagination import ApiCursorPagination
from reporting.api.parsers import JSONParser
from reporting.api.permissions import _RoleMayAct
from reporting.api.serializers import MONTH_PATTERN, MONTH_QUERY_PATTERN, TextField
from reporting.context import selectors, services
from reporting.context.models import Counted, NationalProfile, PeriodNote

LANGUAGE_HELP = "The language the text is written in."


@extend_schema_field({"type": "string", "enum": services.LANGUAGE_CODES})
class LanguageField(TextField):
    """One of the site's languages. Checked by the service, with every other problem of the input at
    once (a serializer choice would stop at this one)."""


def _language_field() -> LanguageField:
    return LanguageField(max_length=10, help_text=LANGUAGE_HELP)


class CanDescribeData(_RoleMayAct):
    action = Action.DESCRIBE_DATA
    message = _("Only the focal point writes its participant's profile and notes.")


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"})
class MonthField(serializers.DateField):
    """A month as YYYY-MM, kept as its first day."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", input_formats=["%Y-%m"], **kwargs)


class NoteOutputSerializer(serializers.ModelSerializer):
    participant = TextField(source="participant.code")
    month_from = MonthField()
    month_to = MonthField()
    language = _language_field()

    class Meta:
        model = PeriodNote
        fields = ["id", "participant", "month_from", "month_to", "text", "language", "status", "withdrawn_reason",
                  "version", "created_at", "updated_at"]  # fmt: skip


class ProfileOutputSerializer(serializers.ModelSerializer):
    participant = TextField(source="participant.code")
    language = _language_field()

    class Meta:
        model = NationalProfile
        fields = ["id", "participant", "valid_from", "valid_to", "agencies", "territory", "irregular_stay",
                  "incident_unit", "definitions", "language", "created_at"]  # fmt: skip


NOTE_EXAMPLE = {
    "id": 12,
    "participant": "AUS",
    "month_from": "2026-03",
    "month_to": "2026-03",
    "text": "March under-reported: system migration.",
    "language": "en",
    "status": "active",
    "withdrawn_reason": "",
    "version": 1,
    "created_at": "2026-04-02T03:10:00Z",
    "updated_at": "2026-04-02T03:10:00Z",
}


def _own_participant(request: Request) -> Participant:
    if request.user.participant is None:
        raise PermissionDenied(CanDescribeData.message)
    return request.user.participant


def _participant_id(code: str | None) -> int | None:
    if not code:
        return None
    if "\x00" in code or len(code) > Participant._meta.get_field("code").max_length:
        return -1  # no participant has such a code (and PostgreSQL refuses a NUL in a query)
    participant = Participant.objects.filter(code=code.upper()).first()
    return participant.pk if participant else -1  # an unknown code: nothing, like an unreadable one


class NotePagination(ApiCursorPagination):
    ordering = ("-month_from", "-id")


class NoteListApi(ApiView):
    """GET lists the notes of the participants whose data you may read; POST writes one (focal point)."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanDescribeData]

    class FilterSerializer(serializers.Serializer):
        participant = TextField(max_length=10, required=False)
        month_from = MonthField(required=False)
        month_to = MonthField(required=False)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "NoteInput"

        month_from = MonthField(help_text="YYYY-MM: the first month the note is about.")
        month_to = MonthField(help_text="YYYY-MM: the last month (the same for one month).")
        text = TextField(max_length=1000, help_text="No names or document numbers.")
        language = _language_field()

    @extend_schema(
        operation_id="context_notes_list",
        tags=["context"],
        summary="Notes on periods of the participants whose data you may read",
        parameters=[
            OpenApiParameter("participant", str, OpenApiParameter.QUERY, description="A participant code."),
            OpenApiParameter(
                "month_from",
                str,
                OpenApiParameter.QUERY,
                pattern=MONTH_QUERY_PATTERN,
                description="Notes reaching this month or later (YYYY-MM).",
            ),  # fmt: skip
            OpenApiParameter(
                "month_to",
                str,
                OpenApiParameter.QUERY,
                pattern=MONTH_QUERY_PATTERN,
                description="Notes starting this month or earlier (YYYY-MM).",
            ),  # fmt: skip
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: page_of("NotePage", NoteOutputSerializer), 400: INVALID, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notes = selectors.note_list(
            user=request.user,
            participant_id=_participant_id(filters.validated_data.get("participant")),
            month_from=filters.validated_data.get("month_from"),
            month_to=filters.validated_data.get("month_to"),
        )
        paginator = NotePagination()
        page = paginator.paginate_queryset(notes, request, view=self)
        return paginator.get_paginated_response(NoteOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="context_notes_create",
        tags=["context"],
        summary="Write a note on a month or range of your participant's figures",
        parameters=[IDEMPOTENCY_OPTIONAL_PARAMETER],
        request=InputSerializer,
        responses={201: NoteOutputSerializer, 422: KEY_REUSED, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "a note",
                request_only=True,
                value={
                    "month_from": "2026-03",
                    "month_to": "2026-03",
                    "text": "New maritime patrol from March.",
                    "language": "en",
                },
            )
        ],  # fmt: skip
    )
    @idempotent(required=False)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_create(participant=_own_participant(request), by=request.user, **data.validated_data)
        return Response(NoteOutputSerializer(note).data, status=201)


class NoteDetailApi(ApiView):
    """GET reads a note; PATCH changes one of your participant's (with If-Match or its version)."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanDescribeData]

    class InputSerializer(NoteListApi.InputSerializer):
        class Meta:
            ref_name = "NoteChange"

        version = serializers.IntegerField(min_value=1, required=False, help_text="The version you read.")

    @extend_schema(
        operation_id="context_notes_retrieve",
        tags=["context"],
        summary="A note on a period",
        responses={200: NoteOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
        examples=[OpenApiExample("a note", value=NOTE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(NoteOutputSerializer(selectors.note_get_for(user=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="context_notes_update",
        tags=["context"],
        summary="Change a note of your participant's",
        parameters=[IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={
            200: NoteOutputSerializer,
            404: NOT_FOUND,
            409: STALE_409,
            412: STALE_412,
            428: PRECONDITION_REQUIRED,
            **WRITE_ERRORS,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        note = selectors.note_get_for(user=request.user, pk=pk)
        if note.participant_id != request.user.participant_id:
            raise PermissionDenied(_("Only the participant that wrote this note can change it."))
        version, how = expected_version(request)
        current = {k: getattr(note, k) for k in ("month_from", "month_to", "text", "language")}
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "version"}
        try:
            note = services.note_update(note=note, by=request.user, version=version, **(current | changes))
        except services.StaleNote as error:
            message = error.messages[0]
            stale = PreconditionFailed(message) if how == "if-match" else Conflict(message, code="stale_record")
            raise stale from error
        return Response(NoteOutputSerializer(note).data, headers={"ETag": f'"{note.version}"'})


class NoteActionApi(ApiView):
    """POST `withdraw` (with a reason): the note is kept, with its history, and no longer shown."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanDescribeData]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # a form body too, as the return actions

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "NoteAction"

        reason = TextField(max_length=1000, help_text="Why the note is withdrawn.")

    @extend_schema(
        operation_id="context_notes_action",
        tags=["context"],
        summary="Withdraw a note of your participant's",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=["withdraw"])],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(NoteOutputSerializer, description="The note, withdrawn."),
            404: NOT_FOUND,
            **WRITE_ERRORS,
        },  # fmt: skip
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action != "withdraw":
            raise Http404
        note = selectors.note_get_for(user=request.user, pk=pk)
        if note.participant_id != request.user.participant_id:
            raise PermissionDenied(_("Only the participant that wrote this note can withdraw it."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_withdraw(note=note, by=request.user, reason=data.validated_data["reason"])
        return Response(NoteOutputSerializer(note).data)


class ProfilePagination(ApiCursorPagination):
    ordering = ("-valid_from", "-id")


class ProfileListApi(ApiView):
    """GET lists profile versions of the participants whose data you may read; POST writes a
    version of your participant's (focal point)."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanDescribeData]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileInput"

        valid_from = serializers.DateField(help_text="The day this version comes into force.")
        agencies = TextField(max_length=1000)
        territory = TextField(max_length=1000)
        irregular_stay = serializers.ChoiceField(choices=Counted.choices)
        incident_unit = TextField(max_length=1000)
        definitions = TextField(max_length=2000, required=False, allow_blank=True)
        language = _language_field()

    @extend_schema(
        operation_id="context_profiles_list",
        tags=["context"],
        summary="National profiles of the participants whose data you may read",
        parameters=[
            OpenApiParameter("participant", str, OpenApiParameter.QUERY, description="A participant code."),
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: page_of("ProfilePage", ProfileOutputSerializer), 400: INVALID, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        profiles = selectors.profile_list(
            user=request.user, participant_id=_participant_id(request.query_params.get("participant"))
        )
        paginator = ProfilePagination()
        page = paginator.paginate_queryset(profiles, request, view=self)
        return paginator.get_paginated_response(ProfileOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="context_profiles_create",
        tags=["context"],
        summary="Write a version of your participant's national profile",
        parameters=[IDEMPOTENCY_OPTIONAL_PARAMETER],
        request=InputSerializer,
        responses={201: ProfileOutputSerializer, 422: KEY_REUSED, **WRITE_ERRORS},
    )
    @idempotent(required=False)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_save(participant=_own_participant(request), by=request.user, **data.validated_data)
        return Response(ProfileOutputSerializer(profile).data, status=201)


class ProfileDetailApi(ApiView):
    @extend_schema(
        operation_id="context_profiles_retrieve",
        tags=["context"],
        summary="A version of a national profile",
        responses={200: ProfileOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ProfileOutputSerializer(selectors.profile_get_for(user=request.user, pk=pk)).data)
