"""Participants: a directory every user reads; the secretariat changes their status."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import TokenScopeAllows
from accounts.models import Participant, Role
from accounts.services import participant_status_change
from reporting.api.base import ApiView
from reporting.api.docs import NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from reporting.api.serializers import ParticipantOutputSerializer


class IsSecretariat(BasePermission):
    message = _("Only the secretariat changes a participant's status.")

    def has_permission(self, request: Request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not have answers 405, whoever asks
        return request.user.role == Role.SECRETARIAT


class ParticipantListApi(ApiView):
    """Every participant (a short list: not paginated)."""

    @extend_schema(
        operation_id="participants_list",
        tags=["participants"],
        summary="List participants",
        responses={200: ParticipantOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        participants = Participant.objects.order_by("code")
        return Response(ParticipantOutputSerializer(participants, many=True).data)


class ParticipantDetailApi(ApiView):
    @extend_schema(
        operation_id="participants_retrieve",
        tags=["participants"],
        summary="One participant, by code",
        responses={200: ParticipantOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        participant = get_object_or_404(Participant, code=code.upper())
        return Response(ParticipantOutputSerializer(participant).data)


class ParticipantStatusApi(ApiView):
    """Admit, suspend, reactivate or withdraw a participant (secretariat): dated and attributed;
    the reciprocity grants follow on commit."""

    permission_classes = [IsAuthenticated, TokenScopeAllows, IsSecretariat]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ParticipantStatusChange"

        status = serializers.ChoiceField(choices=Participant.Status.choices)
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        effective_on = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="participants_status_change",
        tags=["participants"],
        summary="Change a participant's status (secretariat)",
        request=InputSerializer,
        responses={200: ParticipantOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "suspend",
                request_only=True,
                value={"status": "suspended", "reason": "No returns for a year, at its own request."},
            )
        ],
    )
    def post(self, request: Request, code: str) -> Response:
        participant = get_object_or_404(Participant, code=code.upper())
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = participant_status_change(
            participant=participant,
            to_status=data.validated_data["status"],
            changed_by=request.user,
            reason=data.validated_data["reason"],
            effective_on=data.validated_data["effective_on"],
        )
        return Response(ParticipantOutputSerializer(participant).data)
