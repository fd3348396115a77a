"""The current user, their role, participant and standing under the reciprocity rule."""

import datetime as dt

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken, Role
from reporting.api.base import ApiView
from reporting.api.docs import READ_ERRORS
from reporting.api.serializers import ChoiceField, ParticipantOutputSerializer
from reporting.reciprocity import participant_standing


class StandingSerializer(serializers.Serializer):
    contributing = serializers.BooleanField(help_text="Whether your participant may read others' shared records.")
    reason = serializers.CharField()
    returns_counted = serializers.IntegerField()
    returns_needed = serializers.IntegerField()
    window_first = serializers.SerializerMethodField()
    window_last = serializers.SerializerMethodField()
    missing_months = serializers.ListField(child=serializers.DateField())
    grace_until = serializers.DateField(allow_null=True)
    holds_until = serializers.DateField(allow_null=True, help_text="With no new return, contributing until this day.")
    policy_version = serializers.IntegerField()

    def get_window_first(self, standing) -> dt.date:
        return standing.window[0]

    def get_window_last(self, standing) -> dt.date:
        return standing.window[1]


class MeApi(ApiView):
    """Who is calling: user, role, participant, the token in use, and the participant's standing."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Me"

        username = serializers.CharField()
        role = ChoiceField(choices=Role.choices, allow_null=True)
        participant = ParticipantOutputSerializer(allow_null=True)
        token_scope = ChoiceField(
            choices=ApiToken.Scope.choices, allow_null=True, help_text="Null when signed in with a session."
        )
        token_expires_on = serializers.DateField(allow_null=True)
        standing = StandingSerializer(allow_null=True, help_text="Null for the secretariat.")

    @extend_schema(
        operation_id="me",
        tags=["me"],
        summary="The current user and their standing",
        responses={200: OutputSerializer, **READ_ERRORS},
        examples=[
            OpenApiExample(
                "focal point",
                response_only=True,
                value={
                    "username": "fp-aus",
                    "role": "focal_point",
                    "participant": {
                        "code": "AUS",
                        "name": "Australia",
                        "local_name": "Australia",
                        "kind": "state",
                        "region": "pacific",
                        "country": "AUS",
                        "status": "active",
                        "joined_on": "2013-07-01",
                    },
                    "token_scope": "write",
                    "token_expires_on": "2027-06-30",
                    "standing": {
                        "contributing": True,
                        "reason": "Contributing: 5 returns submitted for May 2026–Oct 2026 (3 needed).",
                        "returns_counted": 5,
                        "returns_needed": 3,
                        "window_first": "2026-05-01",
                        "window_last": "2026-10-01",
                        "missing_months": ["2026-07-01"],
                        "grace_until": None,
                        "holds_until": "2027-03-31",
                        "policy_version": 1,
                    },
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        participant = user.participant
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "username": user.get_username(),
            "role": user.role,
            "participant": participant,
            "token_scope": token.scope if token else None,
            "token_expires_on": token.expires_on if token else None,
            "standing": participant_standing(participant) if participant is not None else None,
        }
        return Response(self.OutputSerializer(data).data)
