"""Participants (states, territories, organisations), their agencies, users and roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from accounts.codes import country_choices, country_name
from accounts.validators import visible_text


class User(AbstractUser):
    """A person who signs in. Their participant and role come from their Membership."""

    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of the interface and of e-mails; empty follows the browser."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def membership_or_none(self) -> "Membership | None":
        """The user's membership, or None. Read the first time with whether its participant owns
        records (`participant_owns_records`, as the API's token check reads it too): the read path
        leaves the own-records arm out of the page of a participant owning none."""
        if not User.membership.is_cached(self):
            membership = (
                Membership.objects.annotate(participant_owns_records=models.F("participant__owns_records"))
                .filter(user_id=self.pk)
                .first()
            )
            membership_cache(self, membership)
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None

    @property
    def participant_id(self) -> int | None:
        membership = self.membership_or_none
        return membership.participant_id if membership else None

    @property
    def participant(self) -> "Participant | None":
        membership = self.membership_or_none
        return membership.participant if membership else None

    @property
    def role(self) -> str | None:
        membership = self.membership_or_none
        return membership.role if membership else None


class ParticipantQuerySet(models.QuerySet):
    def active(self) -> "ParticipantQuerySet":
        return self.filter(status=Participant.Status.ACTIVE)


class Participant(models.Model):
    """A state, territory or regional organisation that takes part in the system."""

    class Kind(models.TextChoices):
        STATE = "state", _("State")
        TERRITORY = "territory", _("Territory")
        ORGANISATION = "organisation", _("Regional organisation")

    class Region(models.TextChoices):
        SOUTH_EAST_ASIA = "south_east_asia", _("South-East Asia")
        EAST_ASIA = "east_asia", _("East Asia")
        SOUTH_ASIA = "south_asia", _("South Asia")
        WEST_ASIA = "west_asia", _("West and Central Asia")
        MIDDLE_EAST = "middle_east", _("Middle East")
        PACIFIC = "pacific", _("Pacific")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[visible_text],
        help_text=_("ISO 3166-1 alpha-3 code where one exists (e.g. AUS, HKG); a short code otherwise."),
    )
    country = models.CharField(
        _("country or territory"),
        max_length=3,
        choices=country_choices,
        blank=True,
        help_text=_("Empty for a regional organisation."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True, help_text=_("The name in English."))
    # The name in the other languages of the interface (`local_name`): empty follows, for a state or
    # territory, the ISO 3166 name of its country in that language, for an organisation the English name.
    name_fr = models.CharField(
        _("name in French"),
        max_length=200,
        blank=True,
        help_text=_("Empty for a state or territory: the ISO name of its country in French is shown."),
    )
    name_ar = models.CharField(
        _("name in Arabic"),
        max_length=200,
        blank=True,
        help_text=_("Empty for a state or territory: the ISO name of its country in Arabic is shown."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=30, choices=Region.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INVITED)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="participant",
        help_text=_("The group that object permissions about other participants' data are granted to."),
    )

    # Whether the participant owns (or has owned) any record. Kept by PostgreSQL itself, by triggers
    # on the records' table (migration reporting 0016), never written by the application (a save of
    # a stale participant cannot turn it back to false); elsewhere (the embedded demo's SQLite) it
    # is not kept, and nothing reads it. Read with a user's membership (`participant_owns_records`),
    # it lets the read path leave the own-records arm out of the page of a participant owning none
    # (reporting.reciprocity.visible_incidents).
    owns_records = models.BooleanField(_("owns records"), default=False, db_default=False, editable=False)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [("view_shared_records", _("Can read this participant's shared records"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation") | ~Q(country=""),
                name="participant_state_has_country",
                violation_error_message=_("A state or territory needs its ISO country code."),
            ),
            models.CheckConstraint(
                condition=Q(status="invited") | Q(joined_on__isnull=False),
                name="participant_joined_once_active",
                violation_error_message=_("A participant that has been active needs a joining date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_name} ({self.code})"

    @property
    def local_name(self) -> str:
        """The participant's name for the reader, in the active language: its own name in that
        language if the secretariat gave one, else a state's or territory's ISO country name in that
        language, else the stored (English) name."""
        return participant_local_name(name=self.name, country=self.country, names=self.names_by_language())

    def names_by_language(self) -> dict[str, str]:
        return {language: getattr(self, f"name_{language}") for language in LOCAL_NAME_LANGUAGES}


LOCAL_NAME_LANGUAGES = ("fr", "ar")  # the languages with a name field of their own (name_<language>)


def participant_local_name(*, name: str, country: str, names: dict[str, str], language: str | None = None) -> str:
    """The name a reader sees (Participant.local_name), from plain values (rows read with .values())."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == settings.LANGUAGE_CODE:
        return name
    if names.get(language):
        return names[language]
    return country_name(country, language=language) if country else name


class ParticipantStatusChange(models.Model):
    """One dated, attributed change of a participant's status."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=Participant.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Participant.Status.choices)
    effective_on = models.DateField(_("effective on"))
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.participant.code}: {self.from_status or '—'} → {self.to_status} on {self.effective_on}"


class Agency(models.Model):
    """A national body under a participant (immigration, police, coast guard, …)."""

    class Kind(models.TextChoices):
        IMMIGRATION = "immigration", _("Immigration")
        POLICE = "police", _("Police")
        COAST_GUARD = "coast_guard", _("Coast guard or navy")
        CUSTOMS = "customs", _("Customs")
        BORDER_GUARD = "border_guard", _("Border guard")
        PROSECUTION = "prosecution", _("Prosecution")
        OTHER = "other", _("Other")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["participant__name", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["participant", "name"], name="agency_unique_name_per_participant")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CONTRIBUTOR = "contributor", _("Contributor")
    FOCAL_POINT = "focal_point", _("Focal point")
    ANALYST = "analyst", _("Analyst")
    SECRETARIAT = "secretariat", _("Secretariat")


class Membership(models.Model):
    """A user's place in the system: one participant (none for the secretariat), agency and role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="secretariat") & Q(participant__isnull=True))
                | (~Q(role="secretariat") & Q(participant__isnull=False)),
                name="membership_participant_matches_role",
                violation_error_message=_(
                    "Secretariat users belong to no participant; every other role belongs to one."
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.participant.code if self.participant_id else _("secretariat")
        return f"{self.user} — {self.get_role_display()} ({where})"

    def clean(self) -> None:
        if self.agency_id and self.agency.participant_id != self.participant_id:
            raise ValidationError({"agency": _("Choose an agency of the user's own participant.")})


def membership_cache(user: User, membership: Membership | None) -> None:
    """Keep a membership read with its user (None: the user has none) on both, as select_related would."""
    User.membership.related.set_cached_value(user, membership)
    if membership is not None:
        Membership.user.field.set_cached_value(membership, user)


class ParticipantGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's object permissions on participants, with a real foreign key (guardian's "direct
    foreign keys"): one row per (owner participant, viewer group), so reads join on an integer
    instead of casting guardian's generic text object_pk."""

    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        verbose_name = _("participant permission")
        verbose_name_plural = _("participant permissions")


# The API's credentials and safe writes (issue #6)


class ApiToken(models.Model):
    """A personal API token: only its public prefix and a hash of its secret are kept; the token
    itself is shown once, when it is created."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “national case system”.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_on = models.DateField(_("expires on"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuthLockout(models.Model):
    """Failed API sign-ins counted per client address; an address with too many recent failures has
    its failing attempts refused for a while, a little longer at each lock (accounts/api_tokens.py)."""

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    locks = models.PositiveSmallIntegerField(default=0)  # locks in a row: each doubles the next one

    class Meta:
        verbose_name = _("API sign-in lockout")
        verbose_name_plural = _("API sign-in lockouts")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class IdempotencyKey(models.Model):
    """The first answer to a creating request sent with an `Idempotency-Key` header: a retry with
    the same key returns it and creates nothing more (the unique constraint is the guarantee)."""

    # No index of its own: the unique (user, key) constraint leads with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the method, path and body."))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


# The secretariat's console (issue #8): terms of participation, invitations, sessions, reminders, audit


class TermsVersion(models.Model):
    """One version of the terms of participation that a participant agrees to before it is active."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    published_on = models.DateField(_("published on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("terms of participation")
        verbose_name_plural = _("terms of participation")

    def __str__(self) -> str:
        return f"v{self.version} {self.title}"


class TermsAcceptance(models.Model):
    """A participant agreed to one version of the terms: on which day, signed by whom, recorded by whom."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="terms_acceptances")
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_on = models.DateField(_("accepted on"))
    signed_by = models.CharField(
        _("signed by"), max_length=200, help_text=_("The official who agreed for the participant, and their title.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-accepted_on", "-id"]
        verbose_name = _("acceptance of the terms")
        verbose_name_plural = _("acceptances of the terms")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "terms"],
                name="terms_accepted_once",
                violation_error_message=_("This participant has already accepted this version of the terms."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} accepted v{self.terms_id} on {self.accepted_on}"


class Invitation(models.Model):
    """An e-mailed link that lets a person create their account with a given participant and role.

    Only a hash of the link's secret is kept; the link expires and works once."""

    email = models.EmailField(_("e-mail address"))
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="secretariat") & Q(participant__isnull=True))
                | (~Q(role="secretariat") & Q(participant__isnull=False)),
                name="invitation_participant_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"


class UserSession(models.Model):
    """A signed-in session of a user, so they can see where they are signed in and end it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class ReminderKind(models.TextChoices):
    RETURN_DUE = "return_due", _("A monthly return is due soon")
    RETURN_LATE = "return_late", _("A monthly return is late")
    ACCESS_LAPSING = "access_lapsing", _("Our access to others' data is about to lapse")
    RECORD_RETURNED = "record_returned", _("A record was returned for correction")


class NotificationPreference(models.Model):
    """Which reminder e-mails a user receives (all of them unless they opt out)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    return_due = models.BooleanField(ReminderKind.RETURN_DUE.label, default=True)
    return_late = models.BooleanField(ReminderKind.RETURN_LATE.label, default=True)
    access_lapsing = models.BooleanField(ReminderKind.ACCESS_LAPSING.label, default=True)
    record_returned = models.BooleanField(ReminderKind.RECORD_RETURNED.label, default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"notifications of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


class SentReminder(models.Model):
    """A reminder e-mail that went out: the unique key is what makes a reminder never go twice."""

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, help_text=_("What the reminder is about, e.g. the participant and month."))
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "user", "key"], name="reminder_sent_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.key}"


class AuditEntry(models.Model):
    """An audited act done in the console: who, what, when, about which participant or user.

    Written in the same transaction as the act; the site offers no way to edit or delete one."""

    class Action(models.TextChoices):
        PARTICIPANT_INVITED = "participant_invited", _("Participant invited")
        TERMS_PUBLISHED = "terms_published", _("Terms of participation published")
        TERMS_ACCEPTED = "terms_accepted", _("Terms of participation accepted")
        USER_INVITED = "user_invited", _("User invited")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_WITHDRAWN = "invitation_withdrawn", _("Invitation withdrawn")
        ROLE_CHANGED = "role_changed", _("Role changed")
        USER_DEACTIVATED = "user_deactivated", _("User deactivated")
        USER_REACTIVATED = "user_reactivated", _("User reactivated")
        SESSION_ENDED = "session_ended", _("Session ended")
        CODE_LIST_CHANGED = "code_list_changed", _("Code list changed")
        # Exports (issue #8): tables taken out of the site (dashboards, coverage, the audit trail).
        # Records of other participants read or exported are AccessEvents (reporting).
        EXPORTED = "exported", _("Exported")
        # Sign-in (issue #9): every sign-in, failure and lockout, and the second factor's life.
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGNED_OUT = "signed_out", _("Signed out")
        SESSION_EXPIRED = "session_expired", _("Session expired (idle)")
        LOCKED_OUT = "locked_out", _("Locked out after repeated failures")
        API_TOKEN_REJECTED = "api_token_rejected", _("API token rejected")
        SECOND_FACTOR_ENROLLED = "otp_enrolled", _("Two-factor sign-in set up")
        SECOND_FACTOR_REMOVED = "otp_removed", _("Two-factor sign-in removed")
        SECOND_FACTOR_VERIFIED = "otp_verified", _("Second factor accepted")
        SECOND_FACTOR_FAILED = "otp_failed", _("Second factor refused")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("Recovery codes created")
        # Non-nominal (issue 18): personal data redacted from a record and its history (never the text).
        RECORD_REDACTED = "record_redacted", _("Personal data redacted from a record")
        # Account recovery (issue 19): reset links sent (by the user or a manager), passwords set.
        PASSWORD_RESET_SENT = "password_reset_sent", _("Password reset link sent")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        # National context (issue 22): a profile version or a note on a period written, changed, withdrawn.
        CONTEXT_CHANGED = "context_changed", _("National context changed")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("what"), max_length=40, choices=Action.choices)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"
