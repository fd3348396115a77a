"""National profiles and notes on periods: context that a participant's focal point writes about its
own figures. Imported by reporting/models.py (their app is reporting)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Participant


class Counted(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not stated")


class NationalProfile(models.Model):
    """What one participant's figures cover, from `valid_from` to `valid_to` (one version of it).

    A new version closes the one in force the day before it starts; nothing is edited in place
    after the fact but through history, and nothing is deleted."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="national_profiles")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty while in force."))
    agencies = models.TextField(_("agencies that report"), max_length=1000)
    territory = models.TextField(_("parts of the territory covered"), max_length=1000)
    irregular_stay = models.CharField(
        _("irregular stay counted"), max_length=10, choices=Counted.choices, default=Counted.UNKNOWN
    )
    incident_unit = models.TextField(_("what counts as one incident"), max_length=1000)
    definitions = models.TextField(_("other definitions and remarks"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "-valid_from"]
        verbose_name = _("national profile")
        verbose_name_plural = _("national profiles")
        constraints = [
            models.UniqueConstraint(fields=["participant", "valid_from"], name="profile_one_per_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="profile_dates_ordered",
                violation_error_message=_("A profile ends on or after the day it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} profile from {self.valid_from}"

    def covers(self, first: dt.date, last: dt.date) -> bool:
        """In force on some day between `first` and `last`."""
        return self.valid_from <= last and (self.valid_to is None or self.valid_to >= first)


class PeriodNote(models.Model):
    """A participant's note on a month or a range of months of its figures ("new maritime patrol
    from March"), in one of the site's languages. Withdrawn, never deleted."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="period_notes")
    month_from = models.DateField(_("from month"), help_text=_("The first day of the first month."))
    month_to = models.DateField(_("to month"), help_text=_("The first day of the last month."))
    text = models.TextField(_("note"), max_length=1000)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Raised on every change (optimistic locking)."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "-month_from", "-id"]
        verbose_name = _("note on a period")
        verbose_name_plural = _("notes on periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(month_from__day=1) & Q(month_to__day=1) & Q(month_to__gte=models.F("month_from")),
                name="note_months_ordered",
                violation_error_message=_("A note's last month is on or after its first month."),
            ),
        ]
        indexes = [models.Index(fields=["participant", "month_from", "month_to"], name="note_period")]

    def __str__(self) -> str:
        return f"{self.participant.code} note {self.month_from:%Y-%m}–{self.month_to:%Y-%m}"

    @property
    def period_label(self) -> str:
        if self.month_from == self.month_to:
            return f"{self.month_from:%Y-%m}"
        return f"{self.month_from:%Y-%m} – {self.month_to:%Y-%m}"
