"""Participants: a directory every user reads; the secretariat invites them and moves them through
their lifecycle with the console's own services (accounts/services.py: `participant_invite`,
`participation_step`, `terms_accept`), so the API and the console enforce the same rules."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts import services as account_services
from accounts.forms import ParticipantInviteForm
from accounts.models import Participant, Role, TermsVersion
from reporting.api.base import ApiView
from reporting.api.docs import KEY_REUSED, NOT_FOUND, READ_ERRORS, STATE_CONFLICT, WRITE_ERRORS
from reporting.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from reporting.api.me import StandingSerializer
from reporting.api.serializers import COUNTRY_CHOICES, ChoiceField, ParticipantOutputSerializer, TextField
from reporting.reciprocity import participant_standing

PARTICIPANT_EXAMPLE = {
    "code": "TLS",
    "name": "Timor-Leste",
    "local_name": "Timor-Leste",
    "kind": "state",
    "region": "south_east_asia",
    "country": "TLS",
    "status": "active",
    "joined_on": "2026-08-20",
}

CODE_PARAMETER = OpenApiParameter("code", str, OpenApiParameter.PATH, description="The participant's code, e.g. AUS.")
DETAIL_EXAMPLE = {
    **PARTICIPANT_EXAMPLE,
    "history": [
        {"from_status": "invited", "to_status": "active", "effective_on": "2026-08-20", "reason": ""},
        {"from_status": "", "to_status": "invited", "effective_on": "2026-07-01", "reason": ""},
    ],
    "standing": {
        "contributing": True,
        "reason": "In its grace period until 2026-11-18.",
        "returns_counted": 1,
        "returns_needed": 3,
        "window_first": "2026-05-01",
        "window_last": "2026-10-01",
        "missing_months": ["2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"],
        "grace_until": "2026-11-18",
        "holds_until": "2026-11-18",
        "policy_version": 1,
    },
}


class IsSecretariat(BasePermission):
    """Reading is open to every signed-in user; changing participants is the secretariat's."""

    message = _("Only the secretariat invites participants and changes their status.")

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or not hasattr(view, request.method.lower()):
            return True  # a method the view does not have answers 405, whoever asks
        return request.user.role == Role.SECRETARIAT


class StatusChangeSerializer(serializers.Serializer):
    from_status = TextField(allow_blank=True)
    to_status = ChoiceField(choices=Participant.Status.choices)
    effective_on = serializers.DateField()
    reason = TextField(allow_blank=True)


class ParticipantDetailOutputSerializer(ParticipantOutputSerializer):
    history = StatusChangeSerializer(many=True, source="status_changes.all", help_text="Every status, dated.")
    standing = StandingSerializer(
        allow_null=True, help_text="Under the reciprocity rule: for the secretariat and the participant's own users."
    )


class ParticipantListApi(ApiView):
    """Every participant (a short list: not paginated); the secretariat invites new ones."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsSecretariat]

    class InputSerializer(serializers.Serializer):
        """The console's invitation form, as JSON: the same checks (accounts/forms.py)."""

        class Meta:
            ref_name = "ParticipantInvite"

        code = TextField(max_length=10, help_text="ISO 3166-1 alpha-3 where one exists (e.g. AUS, HKG).")
        name = TextField(max_length=200)
        kind = ChoiceField(choices=Participant.Kind.choices)
        region = ChoiceField(choices=Participant.Region.choices)
        country = ChoiceField(
            choices=COUNTRY_CHOICES,
            required=False,
            allow_blank=True,
            default="",
            help_text="Empty for an organisation.",
        )

        def validate(self, attrs: dict) -> dict:
            form = ParticipantInviteForm(data=attrs)
            if not form.is_valid():
                raise serializers.ValidationError(
                    {
                        ("non_field_errors" if name == "__all__" else name): [
                            serializers.ErrorDetail(e["message"], e["code"] or "invalid") for e in errors
                        ]
                        for name, errors in form.errors.get_json_data().items()
                    }
                )
            return form.cleaned_data

    @extend_schema(
        operation_id="participants_list",
        tags=["participants"],
        summary="List participants",
        responses={200: ParticipantOutputSerializer(many=True), **READ_ERRORS},
        examples=[OpenApiExample("participants", value=[PARTICIPANT_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        participants = Participant.objects.order_by("code")
        return Response(ParticipantOutputSerializer(participants, many=True).data)

    @extend_schema(
        operation_id="participants_invite",
        tags=["participants"],
        summary="Invite a participant (secretariat)",
        description="It exists with status `invited` and reads nothing until it accepts the terms and is activated.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={201: ParticipantOutputSerializer, 409: STATE_CONFLICT, 422: KEY_REUSED, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "a state",
                request_only=True,
                value={
                    "code": "PNG",
                    "name": "Papua New Guinea",
                    "kind": "state",
                    "region": "pacific",
                    "country": "PNG",
                },
            ),
            OpenApiExample(
                "invited", response_only=True, status_codes=["201"], value={**PARTICIPANT_EXAMPLE, "status": "invited"}
            ),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = account_services.participant_invite(invited_by=request.user, **data.validated_data)
        return Response(ParticipantOutputSerializer(participant).data, status=201)


class ParticipantDetailApi(ApiView):
    @extend_schema(
        operation_id="participants_retrieve",
        tags=["participants"],
        summary="One participant, by code, with its history",
        parameters=[CODE_PARAMETER],
        examples=[OpenApiExample("a participant", value=DETAIL_EXAMPLE, response_only=True)],
        responses={200: ParticipantDetailOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        participant = get_object_or_404(Participant.objects.prefetch_related("status_changes"), code=code.upper())
        user = request.user
        may_see_standing = user.role == Role.SECRETARIAT or user.participant_id == participant.pk
        participant.standing = participant_standing(participant) if may_see_standing else None
        return Response(ParticipantDetailOutputSerializer(participant).data)


class ParticipantActionApi(ApiView):
    """The participant's lifecycle (secretariat): `activate` an invited participant, `suspend`,
    `reinstate`, `withdraw` (final); `terms` records its acceptance of the terms of participation,
    which activation and reinstatement need. Dated and attributed; the reciprocity grants follow on
    commit."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsSecretariat]
    STEPS = tuple(account_services.LIFECYCLE)
    ACTIONS = (*STEPS, "terms")

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ParticipantAction"

        reason = TextField(
            max_length=2000, required=False, allow_blank=True, default="", help_text="Required to suspend or withdraw."
        )
        effective_on = serializers.DateField(
            required=False, allow_null=True, default=None, help_text="Today if left out; never in the future."
        )
        terms_version = serializers.IntegerField(
            required=False, min_value=1, max_value=2**31 - 1, help_text="For `terms`: the version accepted."
        )
        accepted_on = serializers.DateField(required=False, help_text="For `terms`: the day it was agreed.")
        signed_by = TextField(
            max_length=200, required=False, allow_blank=True, default="", help_text="For `terms`: who agreed."
        )

    @extend_schema(
        operation_id="participants_action",
        tags=["participants"],
        summary="Move a participant through its lifecycle (secretariat)",
        parameters=[
            CODE_PARAMETER,
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=list(ACTIONS), description="The lifecycle step."
            ),
        ],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(ParticipantDetailOutputSerializer, description="The participant after the step."),
            404: NOT_FOUND,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample(
                "suspend",
                request_only=True,
                value={"reason": "No returns for a year, at its own request."},
            ),
            OpenApiExample(
                "terms",
                request_only=True,
                value={"terms_version": 2, "accepted_on": "2026-09-01", "signed_by": "Director-General, Immigration"},
            ),
            OpenApiExample("after the step", value=DETAIL_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request: Request, code: str, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        participant = get_object_or_404(Participant, code=code.upper())
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if action == "terms":
            terms = None
            if "terms_version" in values:
                terms = TermsVersion.objects.filter(version=values["terms_version"]).first()
            errors = {}
            if terms is None:
                errors["terms_version"] = [_("Give the version of the published terms that was accepted.")]
            if "accepted_on" not in values:
                errors["accepted_on"] = [_("Give the day the terms were accepted.")]
            if errors:
                raise serializers.ValidationError(errors)
            account_services.terms_accept(
                participant=participant,
                terms=terms,
                accepted_on=values["accepted_on"],
                signed_by=values["signed_by"],
                recorded_by=request.user,
            )
        else:
            account_services.participation_step(
                participant=participant,
                step=action,
                changed_by=request.user,
                reason=values["reason"],
                effective_on=values["effective_on"],
            )
        participant = Participant.objects.prefetch_related("status_changes").get(pk=participant.pk)
        participant.standing = participant_standing(participant)
        return Response(ParticipantDetailOutputSerializer(participant).data)
