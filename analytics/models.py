"""Fact tables: aggregates of validated incidents per (return, dimension values), rebuilt by Celery.

Never edited by hand: `analytics.services.facts_rebuild` recomputes one return's rows from the
incident tables and replaces them in one transaction. Every row carries what the reciprocity rule
needs to decide, without touching incidents, whether another participant's data may enter a
viewer's aggregate (`reporting.reciprocity.record_summed_q`): the return's submission, the
record's sharing level and its embargo date. Multi-valued codes (categories, modes) are stored as a
sorted key such as "|land|sea|", so an incident counts once per row and a filter on one code is a
`contains` on the key.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Participant
from reporting import codes
from reporting.models import Return


class FactSet(models.Model):
    """When one return's facts were last built, and how many validated records they hold."""

    ret = models.OneToOneField(Return, on_delete=models.CASCADE, primary_key=True, related_name="fact_set")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    submitted = models.BooleanField()
    incidents = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(_("data as of"))

    class Meta:
        indexes = [models.Index(fields=["participant", "month"], name="factset_participant_month")]

    def __str__(self) -> str:
        return f"facts of return {self.ret_id} as of {self.built_at:%Y-%m-%d %H:%M}"


class Fact(models.Model):
    """The columns every fact row shares: owner, month, the rule's inputs and the filter keys."""

    # No foreign key constraints in the database (the indexes stay): fact rows are derived and
    # rebuilt, never written by hand, and two keys checked for each row a return's rebuild writes
    # weigh on the rebuild's commit. Django still cascades on delete.
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    month = models.DateField()
    sharing = models.CharField(max_length=20, choices=codes.SharingLevel.choices)
    submitted = models.BooleanField()
    embargo_until = models.DateField(null=True, blank=True)
    categories = models.CharField(max_length=200)
    modes = models.CharField(max_length=40)
    origin = models.CharField(max_length=3, blank=True)
    destination = models.CharField(max_length=3, blank=True)
    incidents = models.PositiveIntegerField()

    class Meta:
        abstract = True


class IncidentFact(Fact):
    """Detections and their counts per detection context (series, modes, contexts, harm and abuses
    by mode and route)."""

    detection_context = models.CharField(max_length=20, blank=True)
    migrants = models.PositiveIntegerField()
    smugglers = models.PositiveIntegerField()
    dead = models.PositiveIntegerField()
    missing = models.PositiveIntegerField()
    injured = models.PositiveIntegerField()
    rescued = models.PositiveIntegerField()
    abused = models.PositiveIntegerField(default=0)  # detections reporting at least one abuse
    # A confirmed link's second record: the first record's owner (0 otherwise), so that a viewer
    # summing both counts the venture once (analytics/linked.py).
    linked_owner = models.PositiveIntegerField(default=0)

    class Meta:
        # The ret foreign key has its index already (one return's rebuild deletes by it); another on
        # ret alone only slowed every insert and delete.
        indexes = [models.Index(fields=["month", "participant"], name="incidentfact_month_owner")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.month}: {self.incidents}"


class RouteFact(Fact):
    """Detections per route: origin, first transit country ("" when direct), destination."""

    transit = models.CharField(max_length=3, blank=True)
    migrants = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.origin}>{self.transit}>{self.destination}: {self.incidents}"


class PeopleFact(Fact):
    """Persons detected by group, citizenship, sex and age group (from breakdown rows)."""

    group = models.CharField(max_length=10, choices=codes.PersonGroup.choices)
    citizenship = models.CharField(max_length=3, blank=True)
    sex = models.CharField(max_length=10)
    age_group = models.CharField(max_length=10)
    persons = models.PositiveIntegerField()
    unaccompanied = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.group} {self.citizenship}: {self.persons}"


class FeeFact(Fact):
    """How many detections reported each fee per person (USD, whole dollars): enough for median and
    quartiles without the records."""

    fee_usd = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"USD {self.fee_usd} × {self.incidents}"


class DocumentFact(Fact):
    """Fraudulent documents by type, kind of fraud and issuing country."""

    document_type = models.CharField(max_length=20)
    fraud_type = models.CharField(max_length=30)
    issuing_country = models.CharField(max_length=3, blank=True)
    documents = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.document_type}/{self.fraud_type}: {self.documents}"


class RoleFact(Fact):
    """Detections naming each smuggler role, and the smugglers of those detections."""

    role = models.CharField(max_length=20)
    smugglers = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.role}: {self.incidents}"


class AbuseFact(Fact):
    """Detections reporting each abuse (by mode and route too: the common columns)."""

    abuse = models.CharField(max_length=30)

    def __str__(self) -> str:
        return f"{self.abuse}: {self.incidents}"


FACT_MODELS: tuple[type[Fact], ...] = (IncidentFact, RouteFact, PeopleFact, FeeFact, DocumentFact, RoleFact, AbuseFact)
