"""A link: two records of two participants that may describe the same venture (docs/links.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Participant


class IncidentLink(models.Model):
    """A proposed link between two records of two participants, and each side's decision.

    `first` is the record detected first (the lower id on the same day): a regional total counts a
    confirmed venture under it, and counts `second` as a linked duplicate (docs/links.md). The link
    is confirmed when both sides' focal points confirm it, rejected as soon as one rejects it; a
    rejected pair is never proposed again.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    first = models.ForeignKey("reporting.Incident", on_delete=models.CASCADE, related_name="links_as_first")
    second = models.ForeignKey("reporting.Incident", on_delete=models.CASCADE, related_name="links_as_second")
    first_participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    second_participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    first_decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    second_decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    first_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    days_apart = models.PositiveSmallIntegerField(_("days apart"))
    same_route = models.BooleanField(_("same origin and destination"))
    shared_transit = models.BooleanField(_("a transit country in common"))
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = _("linked incident")
        verbose_name_plural = _("linked incidents")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="incidentlink_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(first_participant=models.F("second_participant")),
                name="incidentlink_two_participants",
            ),
        ]
        indexes = [
            models.Index(fields=["first_participant", "status"], name="incidentlink_first_owner"),
            models.Index(fields=["second_participant", "status"], name="incidentlink_second_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.status})"

    def side_of(self, participant_id: int | None) -> str | None:
        """Which side of the link ("first" or "second") is the participant's side of the link (None if neither)."""
        if participant_id == self.first_participant_id:
            return "first"
        if participant_id == self.second_participant_id:
            return "second"
        return None
