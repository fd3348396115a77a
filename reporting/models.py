"""Monthly returns, incident records and their rows, imports, and the reciprocity policy's data."""

import datetime as dt
import decimal
import operator

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.codes import country_choices, currency_choices
from accounts.language import month_label
from accounts.models import Agency, Participant
from accounts.validators import visible_text
from reporting import codes
from reporting.fields import CodeChoiceField, MultipleCodeField

# A detection date may be "today" in the reporting state while UTC is still yesterday (UTC+14 at
# most), so the structural check allows one day ahead; forms check against the local date.
FUTURE_TOLERANCE = dt.timedelta(days=1)


class _NotInPython(Exception):
    """A check condition the evaluator below does not know: the database checks it instead."""


_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PLAIN_VALUES = (str, int, float, decimal.Decimal, dt.date, dt.datetime)  # bool is an int


def _sql_truth(node, values: dict) -> bool | None:
    """A CHECK condition (Q of plain field lookups) over the row's values, in SQL's three-valued
    logic: None is unknown (NULL), which a CHECK lets through as PostgreSQL does."""
    if isinstance(node, Q):
        results = [_sql_truth(child, values) for child in node.children]
        if node.connector == Q.AND:
            result = False if False in results else None if None in results else True
        elif node.connector == Q.OR:
            result = True if True in results else None if None in results else False
        else:
            raise _NotInPython(node.connector)
        return result if result is None or not node.negated else not result
    if not isinstance(node, tuple):
        raise _NotInPython(node)
    path, wanted = node
    name, _sep, lookup = path.partition("__")
    lookup = lookup or "exact"
    if name not in values:
        raise _NotInPython(name)
    current = values[name]
    if isinstance(wanted, models.F):
        if wanted.name not in values:
            raise _NotInPython(wanted.name)
        wanted = values[wanted.name]
    elif wanted is not None and not isinstance(wanted, _PLAIN_VALUES):
        raise _NotInPython(wanted)
    if lookup == "isnull" and isinstance(wanted, bool):
        return (current is None) == wanted
    if lookup == "exact" and wanted is None:  # Q(field=None) is IS NULL
        return current is None
    if lookup not in _COMPARISONS:
        raise _NotInPython(lookup)
    if current is None or wanted is None:
        return None
    return _COMPARISONS[lookup](current, wanted)


# Kept for the API's create floor (≥ 100 records/s on two cores): for the benchmark's create (a
# record, a transit, a breakdown) Django's own validate_constraints cost 14.2 ms of CPU against
# 0.14 ms here, measured in one process each on the same loaded machine; a quiet create costs
# about 11 ms in all (docs/api.md, "Performance").
class ValidatedWithoutQueries(models.Model):
    """What `full_clean()` costs a record's save, made cheap without changing what it checks.

    Django checks each CHECK constraint with a query of its own (`SELECT 1 WHERE …` in a
    savepoint, built over every field of the row) and each foreign key with another
    (`SELECT 1 … WHERE id = …`). Here CHECK conditions made of plain field lookups
    (and/or/not, =, <, <=, >, >=, IS NULL, F() of another field of the row) are evaluated in
    Python, with SQL's NULL logic, so the messages and the outcome stay those of the database's
    check; any other condition still goes to the database. A foreign key whose object is already
    loaded on the record (the owner, the author, the return just found) is not asked for again,
    and one that is not loaded is fetched once (then clean() reads it without another query)."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        exclude = set(exclude or ())
        loaded = set()
        for field in self._meta.concrete_fields:
            if not field.many_to_one or field.name in exclude or field.remote_field.parent_link:
                continue
            value = getattr(self, field.attname)
            if value is None or field.get_limit_choices_to():
                continue
            try:
                related = getattr(self, field.name)  # the cached object, or fetched once
            except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
                continue  # the field's own check reports it, with its message
            if related is not None and getattr(related, field.remote_field.field_name) == value:
                loaded.add(field.name)
        super().clean_fields(exclude=exclude | loaded)

    def validate_constraints(self, exclude=None):
        exclude = set(exclude or ())
        values = None
        errors: dict = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    if isinstance(constraint, models.CheckConstraint):
                        if values is None:
                            values = self._constraint_values()
                        self._validate_check(constraint, values, exclude, model_class)
                    else:
                        constraint.validate(model_class, self, exclude=exclude, using=self._write_alias())
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _write_alias(self) -> str:
        return router.db_for_write(type(self), instance=self)

    def _constraint_values(self) -> dict:
        """Each field's value as the database would compare it (`to_python`, as clean_fields
        leaves it); a field whose value is not a plain one is left out, so a condition over it
        goes to the database."""
        values = {}
        for field in self._meta.concrete_fields:
            try:
                value = field.to_python(getattr(self, field.attname))
            except (ValidationError, TypeError, ValueError):
                continue
            if value is None or isinstance(value, _PLAIN_VALUES):
                values[field.name] = value
        return values

    def _validate_check(self, constraint, values: dict, exclude: set, model_class) -> None:
        referenced = constraint.condition.referenced_base_fields
        if referenced & exclude:
            return  # as Django does: a check over an excluded field is not made
        try:
            holds = _sql_truth(constraint.condition, values) is not False
        except (_NotInPython, TypeError):
            constraint.validate(model_class, self, exclude=exclude, using=self._write_alias())
            return
        if not holds:
            raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)


# The versions of a record and of its linked rows say who made them (history_user) without a
# database foreign key to the user: a key checked for every version written (two per imported
# record, checked at commit). The id is always the
# acting user's (the request's or the uploader's, set by our services), users are deactivated, never
# deleted by the site, and a deletion through Django (the admin) still empties the field
# (on_delete=SET_NULL, kept, with its index); only SQL run by hand could leave a version naming a
# user who no longer exists. simple-history's documented option (user_db_constraint).
RECORD_HISTORY_USER = {"user_db_constraint": False}
# A linked row's versions (transit, breakdown, document) are found by their record (incident_id,
# indexed): nothing reads them by the row's own id, so that copy carries no index (one write less
# per version; 120,000 for the benchmark's import).
LINKED_ROW_HISTORY = {**RECORD_HISTORY_USER, "no_db_index": ["id"]}


class Return(models.Model):
    """One participant's return for one calendar month: the unit of contribution."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="returns")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    is_nil = models.BooleanField(
        _("nothing to report"), default=False, help_text=_("Submitted with no incidents: a nil return.")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "-month"]
        verbose_name = _("monthly return")
        verbose_name_plural = _("monthly returns")
        constraints = [
            models.UniqueConstraint(fields=["participant", "month"], name="return_one_per_participant_month"),
            # What a record's (participant, return) key refers to (Incident.participant).
            models.UniqueConstraint(fields=["participant", "id"], name="return_participant_id"),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="return_month_first_day",
                violation_error_message=_("A return's month is given by its first day."),
            ),
            models.CheckConstraint(
                condition=Q(status="open", is_nil=False) | Q(status="submitted", submitted_at__isnull=False),
                name="return_submitted_dated",
                violation_error_message=_("Only a submitted return can be a nil return, and it has a date."),
            ),
        ]
        indexes = [
            # The read path's "in a submitted return" asks for the returns not submitted (few: the
            # open months and reopened ones), reciprocity.record_shared_q.
            models.Index(fields=["id"], condition=~Q(status="submitted"), name="return_not_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} {self.month:%Y-%m}"

    @property
    def due_on(self) -> dt.date:
        return return_due_date(self.month)


# A month's return is due on this day of the following month (docs/workflow.md). The one place
# that decides it: the returns page, reminders and compliance views all call return_due_date().
RETURN_DUE_DAY = 15


def return_due_date(month: dt.date) -> dt.date:
    """The day a month's return is due: the RETURN_DUE_DAY-th of the following month."""
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following.replace(day=RETURN_DUE_DAY)


class IncidentQuerySet(models.QuerySet):
    """Vocabulary for filtering incidents; the reciprocity decision lives in reciprocity.py."""

    def for_participants(self, ids) -> "IncidentQuerySet":
        return self.filter(participant_id__in=ids)

    def validated(self) -> "IncidentQuerySet":
        return self.filter(status=Incident.Status.VALIDATED)

    def with_code(self, field: str, code: str) -> "IncidentQuerySet":
        """Records whose multiple-code `field` holds `code`."""
        if connection.vendor == "postgresql":
            return self.filter(**{f"{field}__contains": [code]})
        return self.filter(**{f"{field}__icontains": f'"{code}"'})


def reader_key(shared_as: int) -> models.Case:
    """The record's owner id, or `shared_as` for a record its owner shares one by one (validated,
    sharing level `shared`). With `shared_as` 0 and the largest id, a reader of participant P (0
    for none) passes `low <= P <= high` exactly for its own records and shared ones: a necessary
    condition of the reciprocity rule that an index can test on its own entries, so a page skips
    the others' unshared records without reading them. reciprocity.py decides the rest."""
    return models.Case(
        models.When(status="validated", sharing_level=codes.SharingLevel.SHARED.value, then=models.Value(shared_as)),
        default=models.F("participant_id"),
        output_field=models.BigIntegerField(),
    )


READER_KEY_SHARED_LOW, READER_KEY_SHARED_HIGH = 0, 2**63 - 1
READER_KEYS = (reader_key(READER_KEY_SHARED_LOW), reader_key(READER_KEY_SHARED_HIGH))


class Incident(ValidatedWithoutQueries):
    """One non-nominal incident record: counts and codes, never names or document numbers."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for validation")
        RETURNED = "returned", _("Returned for correction")
        VALIDATED = "validated", _("Validated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Ownership and workflow
    # No index of their own: the (participant, national_reference) and (ret, status) indexes below
    # lead with them, and every index is one more write per record saved or imported.
    # One database key for both, on PostgreSQL: (participant, ret) must be a return's (participant,
    # id) (migration 0020, incident_return_of_participant), which holds all that the two keys held
    # (the return exists; the participant exists, as the return's own key says) and also that the
    # record's return is its participant's, which only clean() checked. One check per record at
    # commit instead of two (100,000 fewer for a 100,000-row import). PROTECT stays Django's.
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="incidents", db_index=False, db_constraint=False
    )
    ret = models.ForeignKey(
        Return,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("monthly return"),
        db_index=False,
        db_constraint=False,
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("reporting agency")
    )
    national_reference = models.CharField(
        _("national reference"),
        max_length=64,
        validators=[visible_text],
        help_text=_("Your own case or file number, unique within your participant. Not a person's ID."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("comment from the focal point"), blank=True)
    sharing_level = models.CharField(
        _("sharing level"), max_length=20, choices=codes.SharingLevel.choices, default=codes.SharingLevel.SHARED
    )
    embargo_until = models.DateField(
        _("embargo until"), null=True, blank=True, help_text=_("Not shared with others before this date.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # What
    # Drafts may be incomplete: the fields below that are blank=True are required on submission
    # (reporting/services/incidents.py: SUBMIT_REQUIRED), not on every save.
    categories = MultipleCodeField(_("conduct categories"), codes=codes.ConductCategory.choices, blank=True)
    protocol_benefit = models.CharField(
        _("financial or other material benefit"),
        max_length=10,
        choices=codes.ProtocolBenefit.choices,
        default=codes.ProtocolBenefit.UNKNOWN,
        help_text=_(
            "The Protocol against the Smuggling of Migrants requires a financial or other material "
            "benefit; some states also count facilitation without one."
        ),
    )
    source = models.CharField(_("source"), max_length=20, choices=codes.Source.choices, blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=codes.Confidence.choices, blank=True)

    # When and where
    detection_date = models.DateField(_("detection date"))
    detection_country = CodeChoiceField(_("detection country"), max_length=3, choices=country_choices, blank=True)
    detection_place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    border_crossing_point = models.ForeignKey(
        "BorderCrossingPoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("border crossing point"),
        db_index=False,  # a partial index in Meta: most records have none
    )
    detection_context = models.CharField(
        _("detection context"), max_length=20, choices=codes.DetectionContext.choices, blank=True
    )

    # How
    modes = MultipleCodeField(_("modes"), codes=codes.Mode.choices)
    methods = MultipleCodeField(_("conveyances and methods"), codes=codes.Method.choices)

    # Route (transit countries are ordered rows: IncidentTransit)
    origin_country = CodeChoiceField(_("country of origin"), max_length=3, choices=country_choices, blank=True)
    destination_country = CodeChoiceField(_("intended destination"), max_length=3, choices=country_choices, blank=True)

    # People: counts only (breakdowns are PersonBreakdown rows)
    migrants_total = models.PositiveIntegerField(_("migrants detected"), default=0)
    smugglers_total = models.PositiveIntegerField(_("smugglers detected"), default=0)
    smuggler_roles = MultipleCodeField(_("smuggler roles"), codes=codes.SmugglerRole.choices)

    # Money
    fee_per_person = models.DecimalField(
        _("fee per person"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fee_currency = CodeChoiceField(_("currency"), max_length=3, choices=currency_choices, blank=True)
    fee_usd = models.DecimalField(
        _("fee per person in USD"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Converted at the rate of the detection month."),
    )
    fee_scope = models.CharField(_("fee covers"), max_length=20, choices=codes.FeeScope.choices, blank=True)
    payment_modality = models.CharField(_("payment"), max_length=20, choices=codes.PaymentModality.choices, blank=True)

    # Harm
    dead = models.PositiveIntegerField(_("dead"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    rescued = models.PositiveIntegerField(_("rescued"), default=0)
    cause_of_death = models.CharField(
        _("cause of death"), max_length=20, choices=codes.CauseOfDeath.choices, blank=True
    )
    abuses = MultipleCodeField(_("abuses"), codes=codes.Abuse.choices)

    # Context
    narrative = models.TextField(
        _("modus operandi"),
        blank=True,
        help_text=_("What happened and how. No names, document numbers or other personal data."),
    )
    screening_override_reason = models.TextField(
        _("reason for overriding the personal-data check"),
        blank=True,
        help_text=_("Recorded by the focal point; cleared whenever the screened text changes."),
    )
    screening_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    # Bookkeeping
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    # A record's history is read by record (id) and by date; the copies of the foreign keys are not
    # searched, so they carry no index (seven fewer writes per version kept). Who made a version is
    # not checked by the database (RECORD_HISTORY_USER).
    history = HistoricalRecords(
        **RECORD_HISTORY_USER,
        no_db_index=[
            "participant",
            "ret",
            "agency",
            "border_crossing_point",
            "created_by",
            "validated_by",
            "screening_override_by",
        ],
    )
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detection_date", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["participant", "status", "-detection_date"], name="incident_owner_status_date"),
            models.Index(fields=["ret", "status"], name="incident_return_status"),
            # The record list's order: its first page reads 25 index entries instead of sorting every row.
            models.Index(fields=["-detection_date", "-id"], name="incident_list_order"),
            # The same order for a reader under the reciprocity rule: the two reader keys let the
            # index itself skip other owners' unshared records (reciprocity.visible_incidents).
            models.Index(
                models.F("detection_date").desc(),
                models.F("id").desc(),
                *READER_KEYS,
                name="incident_list_reader_order",
            ),
            # The record list's other sort orders (selectors.INCIDENT_SORTS), read in index order
            # under the rule's condition like the date's, instead of sorting every readable record
            # (about a second at 100,000). Read backwards, each serves both directions; status,
            # whose second key keeps newest first either way, needs one per direction.
            models.Index(fields=["national_reference", "id"], name="incident_reference_order"),
            models.Index(fields=["migrants_total", "id"], name="incident_migrants_order"),
            models.Index(fields=["status", "-detection_date", "-id"], name="incident_status_order"),
            models.Index(fields=["-status", "-detection_date", "-id"], name="incident_status_desc_order"),
            # Foreign keys empty on most records (on every new or imported one): indexed where set
            # only, which is all that the lookups of a PROTECT (a user's or crossing point's records,
            # by value) need; a record without one writes no entry.
            models.Index(
                fields=["border_crossing_point"],
                condition=Q(border_crossing_point__isnull=False),
                name="incident_crossing_point",
            ),
            models.Index(
                fields=["validated_by"], condition=Q(validated_by__isnull=False), name="incident_validated_by"
            ),
            models.Index(
                fields=["screening_override_by"],
                condition=Q(screening_override_by__isnull=False),
                name="incident_screening_override_by",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "national_reference"],
                name="incident_unique_reference_per_participant",
                violation_error_message=_("Your participant already has a record with this national reference."),
                violation_error_code="duplicate_reference",
            ),
            # "Detection date not in the future" is a CHECK on PostgreSQL only (migration 0004):
            # SQLite refuses a clock in a CHECK constraint. clean() checks it on every backend.
            models.CheckConstraint(
                condition=Q(fee_per_person__isnull=True) | ~Q(fee_currency=""),
                name="incident_fee_has_currency",
                violation_error_message=_("Give the currency of the fee."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="incident_coordinates_valid",
                violation_error_message=_("Give both latitude (−90 to 90) and longitude (−180 to 180), or neither."),
            ),
            models.CheckConstraint(
                condition=Q(fee_usd__isnull=True) | Q(fee_usd__gte=0),
                name="incident_fee_usd_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} {self.national_reference}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.detection_date and self.detection_date > timezone.localdate() + FUTURE_TOLERANCE:
            errors.setdefault("detection_date", []).append(_("The detection date cannot be in the future."))
        if self.ret_id and self.detection_date:
            month = self.ret.month
            if (self.detection_date.year, self.detection_date.month) != (month.year, month.month):
                errors.setdefault("detection_date", []).append(
                    _("The detection date must fall in the return's month (%(month)s).") % {"month": month_label(month)}
                )
        if self.ret_id and self.participant_id and self.ret.participant_id != self.participant_id:
            errors.setdefault("ret", []).append(_("The return belongs to another participant."))
        if self.agency_id and self.participant_id and self._related_owner("agency") not in (None, self.participant_id):
            errors.setdefault("agency", []).append(_("Choose one of your own agencies."))
        if self.border_crossing_point_id and self.participant_id:
            if self._related_owner("border_crossing_point") not in (None, self.participant_id):
                errors.setdefault("border_crossing_point", []).append(_("Choose one of your own crossing points."))
        if self.fee_per_person is not None and not self.fee_currency:
            errors.setdefault("fee_currency", []).append(_("Give the currency of the fee."))
        if (self.latitude is None) != (self.longitude is None):
            errors.setdefault("longitude", []).append(_("Give both latitude and longitude, or neither."))
        if self.cause_of_death and not self.dead:
            errors.setdefault("cause_of_death", []).append(_("A cause of death needs at least one death."))
        if self.smuggler_roles and not self.smugglers_total:
            errors.setdefault("smuggler_roles", []).append(_("Smuggler roles need at least one smuggler."))
        if errors:
            raise ValidationError(errors)

    def _related_owner(self, name: str) -> int | None:
        """The participant owning the related agency or crossing point; None when it does not
        exist (clean_fields says so, with Django's message)."""
        try:
            return getattr(self, name).participant_id
        except ObjectDoesNotExist:
            return None


class IncidentComment(ValidatedWithoutQueries):
    """A dated, attributed note on a record's workflow: why it was returned, corrected, withdrawn,
    or why the personal-data check was overridden. Comments are never edited or deleted."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("Returned for correction")
        CORRECTED = "corrected", _("Corrected after validation")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SCREENING_OVERRIDE = "screening_override", _("Personal-data check overridden")
        NOTE = "note", _("Note")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    text = models.TextField(_("comment"))
    version = models.PositiveIntegerField(_("record version"), help_text=_("The record's version it refers to."))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["incident", "created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class IncidentTransit(ValidatedWithoutQueries):
    """One transit country of an incident's route, in order."""

    # No index of its own: the unique constraint below leads with it (one index less to write per row).
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="transits", db_index=False)
    sequence = models.PositiveSmallIntegerField(_("order"))
    country = CodeChoiceField(_("transit country"), max_length=3, choices=country_choices)
    history = HistoricalRecords(**LINKED_ROW_HISTORY)

    class Meta:
        ordering = ["incident", "sequence"]
        verbose_name = _("transit country")
        verbose_name_plural = _("transit countries")
        constraints = [
            models.UniqueConstraint(fields=["incident", "sequence"], name="transit_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.country}"


class PersonBreakdown(ValidatedWithoutQueries):
    """How many of an incident's migrants or smugglers share a citizenship, sex and age group.

    The rows of one group never add up to more than the incident's total for it (checked by the
    service and, in PostgreSQL, by a deferred constraint trigger); the rest is an explicit unknown.
    """

    # No index of its own: the unique constraint below leads with it (one index less to write per row).
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="breakdowns", db_index=False)
    group = models.CharField(_("group"), max_length=10, choices=codes.PersonGroup.choices)
    citizenship = CodeChoiceField(
        _("citizenship"), max_length=3, choices=country_choices, blank=True, help_text=_("Empty if unknown.")
    )
    sex = models.CharField(_("sex"), max_length=10, choices=codes.Sex.choices, default=codes.Sex.UNKNOWN)
    age_group = models.CharField(
        _("age group"), max_length=10, choices=codes.AgeGroup.choices, default=codes.AgeGroup.UNKNOWN
    )
    count = models.PositiveIntegerField(_("count"), validators=[MinValueValidator(1)])
    unaccompanied = models.PositiveIntegerField(
        _("of whom unaccompanied minors"), default=0, help_text=_("Only for minors.")
    )
    history = HistoricalRecords(**LINKED_ROW_HISTORY)

    class Meta:
        # The id last, so rows of equal count read in one order everywhere (PostgreSQL's JSON of a record too).
        ordering = ["incident", "group", "-count", "id"]
        verbose_name = _("breakdown row")
        verbose_name_plural = _("breakdown rows")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "group", "citizenship", "sex", "age_group"],
                name="breakdown_unique_cell",
                violation_error_message=_("This citizenship, sex and age group is already a row."),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="breakdown_count_positive",
                violation_error_message=_("A breakdown row counts at least one person."),
            ),
            models.CheckConstraint(
                condition=Q(unaccompanied__lte=models.F("count")) & (Q(age_group="minor") | Q(unaccompanied=0)),
                name="breakdown_unaccompanied_minors_only",
                violation_error_message=_("Unaccompanied minors are minors, and no more than the row's count."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.citizenship or '?'} {self.sex} {self.age_group}: {self.count}"


class IncidentDocument(ValidatedWithoutQueries):
    """Fraudulent documents found in an incident: type, kind of fraud, issuing country, count."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(_("document type"), max_length=20, choices=codes.DocumentType.choices)
    fraud_type = models.CharField(_("kind of fraud"), max_length=30, choices=codes.FraudType.choices)
    issuing_country = CodeChoiceField(_("issuing country"), max_length=3, choices=country_choices, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1, validators=[MinValueValidator(1)])
    history = HistoricalRecords(**LINKED_ROW_HISTORY)

    class Meta:
        ordering = ["incident", "id"]
        verbose_name = _("document row")
        verbose_name_plural = _("document rows")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="document_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.document_type} ({self.fraud_type})"


# Code lists the secretariat maintains


class BorderCrossingPoint(models.Model):
    """A participant's border crossing point (its own gazetteer)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="crossing_points")
    code = models.CharField(_("code"), max_length=20, validators=[visible_text])
    name = models.CharField(_("name"), max_length=200)
    mode = models.CharField(_("mode"), max_length=10, choices=codes.Mode.choices)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "name"]
        verbose_name = _("border crossing point")
        verbose_name_plural = _("border crossing points")
        constraints = [
            models.UniqueConstraint(fields=["participant", "code"], name="bcp_unique_code_per_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ExchangeRate(models.Model):
    """US dollars for one unit of a currency in a month, for converting fees."""

    currency = CodeChoiceField(_("currency"), max_length=3, choices=currency_choices)
    month = models.DateField(_("month"))
    usd_per_unit = models.DecimalField(
        _("USD per unit"), max_digits=18, decimal_places=8, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-month"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="rate_one_per_currency_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="rate_month_first_day"),
            models.CheckConstraint(condition=Q(usd_per_unit__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m}: {self.usd_per_unit}"


# Imports


class ImportBatch(models.Model):
    """An uploaded CSV or XLSX file: its mappings, its progress and every row's outcome."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPING = "mapping", _("Mapping columns and codes")
        CHECKING = "checking", _("Checking rows")
        CHECKED = "checked", _("Checked (dry run)")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Nothing imported (to be fixed)")

    class Mode(models.TextChoices):
        """What to do with a checked file: every valid row, or nothing unless every row is valid."""

        VALID_ONLY = "valid_only", _("Import the valid rows only")
        ALL_OR_NOTHING = "all_or_nothing", _("Import nothing until every row is valid")

    class DateOrder(models.TextChoices):
        """How to read dates such as 03/04/2025 (ISO dates and Excel dates are never ambiguous)."""

        DMY = "dmy", _("Day first (31/12/2025)")
        MDY = "mdy", _("Month first (12/31/2025)")
        YMD = "ymd", _("Year first (2025/12/31)")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="import_batches")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    code_mapping = models.JSONField(_("code mapping"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Added by issue 5 (reporting/imports/): the file's sheets, the reading options and the outcome.
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    headers = models.JSONField(_("column headers per sheet"), default=dict, blank=True)
    date_order = models.CharField(_("date order"), max_length=3, choices=DateOrder.choices, default=DateOrder.DMY)
    mode = models.CharField(_("import mode"), max_length=20, choices=Mode.choices, blank=True)
    problems = models.JSONField(
        _("problems with the file as a whole"), default=list, blank=True, help_text=_("Not tied to one incident row.")
    )
    rows_valid = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Added by issue 17: {sheet: {field: the value every row takes}} for fields the file lacks, and how
    # the file writes numbers and dates ({"decimal": "." or ",", and what was detected}:
    # reporting/imports/conventions.py).
    fixed_values = models.JSONField(_("the same value for every row"), default=dict, blank=True)
    conventions = models.JSONField(_("number and date conventions"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class ImportRow(models.Model):
    """The outcome of one row of an import."""

    class Outcome(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Has problems")
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        SKIPPED = "skipped", _("Skipped")

    # No index of its own: the unique constraint below leads with it (one index less to write per row).
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField()
    national_reference = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    errors = models.JSONField(default=list, blank=True)
    # No index: nothing looks rows up by record, and records are never deleted (withdrawn instead),
    # so the index would serve no query and would stop the import's update of each row's outcome
    # and record from staying on its page (a HOT update, fillfactor 50 in migration 0018). Nor a
    # database key (migration 0022): the row is the import's report, the id is the record the import
    # itself wrote in the same transaction, and a deletion through Django still empties it
    # (SET_NULL is Django's); the key's check at commit cost 100,000 lookups per 100,000-row import.
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_unique")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.outcome}"


class ImportProfile(models.Model):
    """A participant's remembered import choices: its column headings and its own codes, offered
    again on the next upload (reporting/imports/mapping.py)."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="import_profile")
    # {sheet: {normalised heading: field}}
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # {code list: {their value, case-folded: our code}}
    code_mapping = models.JSONField(_("code mapping"), default=dict, blank=True)
    date_order = models.CharField(
        _("date order"), max_length=3, choices=ImportBatch.DateOrder.choices, default=ImportBatch.DateOrder.DMY
    )
    # {sheet: {field: value}} and {"decimal": mark}, as the batch's (issue 17)
    fixed_values = models.JSONField(_("the same value for every row"), default=dict, blank=True)
    conventions = models.JSONField(_("number and date conventions"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")

    def __str__(self) -> str:
        return f"import profile of {self.participant_id}"


# The reciprocity rule's data (the rule itself: reciprocity.py)


class ReciprocityPolicyQuerySet(models.QuerySet):
    def current(self) -> "ReciprocityPolicy":
        """The policy in force: the highest version (migration 0002 creates version 1). Should
        the table ever be empty, the design's defaults apply (an unsaved version 0)."""
        return self.order_by("-version").first() or ReciprocityPolicy(version=0, reason="defaults")


class ReciprocityPolicy(models.Model):
    """One version of the sharing policy. The newest version is in force; old ones are kept."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    min_returns = models.PositiveSmallIntegerField(
        _("returns needed"),
        default=3,
        help_text=_("Submitted returns (with data or nil) needed in the window to be contributing."),
    )
    window_months = models.PositiveSmallIntegerField(
        _("window (months)"),
        default=6,
        validators=[MinValueValidator(1)],
        help_text=_("How many closed months are looked at."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"), default=90, help_text=_("A new participant is contributing this long.")
    )
    non_contributors_see_aggregates = models.BooleanField(_("non-contributors see regional aggregates"), default=False)
    min_cell = models.PositiveSmallIntegerField(_("smallest cell shown"), default=5)
    min_contributors = models.PositiveSmallIntegerField(_("fewest other participants behind a total"), default=3)
    secretariat_reads_records = models.BooleanField(_("secretariat reads records"), default=False)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReciprocityPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("reciprocity policy")
        verbose_name_plural = _("reciprocity policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_returns__lte=models.F("window_months")),
                name="policy_min_returns_within_window",
                violation_error_message=_("The returns needed cannot exceed the months in the window."),
            ),
        ]

    def __str__(self) -> str:
        return f"Policy v{self.version}"


class SharingExclusion(models.Model):
    """An owner withholds its data from one named partner."""

    owner = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="exclusions_made")
    partner = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="exclusions_received")
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sharing exclusion")
        verbose_name_plural = _("sharing exclusions")
        constraints = [
            models.UniqueConstraint(fields=["owner", "partner"], name="exclusion_unique_pair"),
            models.CheckConstraint(condition=~Q(owner=models.F("partner")), name="exclusion_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.owner.code} withholds from {self.partner.code}"


class RecordOwner(models.Model):
    """A participant that owns (or has owned) a record. Kept by PostgreSQL itself, by triggers on the
    records' table (migration 0029), never written by the application; elsewhere (the embedded
    demo's SQLite) it is not kept, and nothing reads it. Read with a user's membership
    (`participant_owns_records`), it lets the read path leave the own-records arm out of the page of
    a participant owning none (reciprocity.visible_incidents)."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, primary_key=True, related_name="+")

    class Meta:
        verbose_name = _("record owner")
        verbose_name_plural = _("record owners")

    def __str__(self) -> str:
        return str(self.participant_id)


class StandingDecision(models.Model):
    """A logged answer of the rule: was a participant contributing on a day, and why."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="standing_decisions")
    on_date = models.DateField()
    contributing = models.BooleanField()
    reason = models.TextField()
    returns_counted = models.PositiveSmallIntegerField(default=0)
    policy_version = models.PositiveIntegerField()
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["participant", "-decided_at"], name="standing_participant_time")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.on_date}: {self.contributing}"


class GrantChange(models.Model):
    """A change reciprocity_sync() made to guardian's rows, or a drift the nightly check found."""

    class Kind(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")
        DRIFT_MISSING = "drift_missing", _("Drift: grant missing")
        DRIFT_EXTRA = "drift_extra", _("Drift: unexpected grant")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    policy_version = models.PositiveIntegerField()
    trigger = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        # The audit page reads the newest changes first (docs/benchmarks.md, "console").
        indexes = [models.Index(fields=["-at", "-id"], name="grantchange_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.owner_id}→{self.viewer_id}"


class AccessEvent(models.Model):
    """Someone read or exported another participant's records (the owner's focal point sees these)."""

    class Via(models.TextChoices):
        DETAIL = "detail", _("Record page")
        LIST = "list", _("Record list")
        EXPORT = "export", _("Export")
        API = "api", _("API")
        DASHBOARD = "dashboard", _("Dashboard drill-down")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the secretariat."),
    )
    # No index of its own: the index access_owner_time leads with it.
    owner = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="access_events", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    record_count = models.PositiveIntegerField(default=1)
    via = models.CharField(max_length=20, choices=Via.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-at"], name="access_owner_time"),
            # The audit page reads the newest reads of every owner first (docs/benchmarks.md, "console").
            models.Index(fields=["-at", "-id"], name="access_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.owner_id} via {self.via}"


class ReturnOutbox(models.Model):
    """A return whose derived data (facts, grants) must be rebuilt: written in the same transaction
    as the change, so nothing is lost when the broker is down; a beat task sweeps it."""

    ret = models.OneToOneField(Return, on_delete=models.CASCADE, related_name="outbox")
    marked_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["marked_at"]

    def __str__(self) -> str:
        return f"dirty {self.ret_id}"


# Linked incidents across participants live in their own module (docs/links.md).
# National context (issue 22): its models live with their code in reporting/context/.
from reporting.context.models import NationalProfile, PeriodNote  # noqa: E402, F401
from reporting.linking.models import IncidentLink  # noqa: E402, F401
