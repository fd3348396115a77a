"""Writes of monthly returns: submit with data, submit "nothing to report", reopen.

A return covers one calendar month, so it can be submitted once the month is over; it is due on the
15th of the following month (reporting.models.return_due_date). A submitted return with no
validated record must be a nil return, so submitting an empty month is refused and the focal point
is pointed to the nil return. Each change marks the return dirty (its facts are rebuilt) and
re-runs the reciprocity sync after commit, since returns are what makes a participant contributing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import month_label
from accounts.models import Participant, Role, User
from reporting.models import Incident, Return
from reporting.services.outbox import return_mark_dirty
from reporting.services.sharing import reciprocity_sync_after_commit


def _require_focal_point(user: User, participant_id: int, action: str) -> None:
    if user.role != Role.FOCAL_POINT or user.participant_id != participant_id:
        raise PermissionDenied(_("Only the focal point of this participant can %(action)s.") % {"action": action})


def _require_month_over(month: dt.date) -> None:
    today = timezone.localdate()
    if month >= today.replace(day=1):
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        raise ValidationError(
            _("The return for %(month)s covers the whole month: it can be submitted from %(from)s.")
            % {"month": month_label(month), "from": following.isoformat()},
            code="month_not_over",
        )


def _require_member(participant: Participant, month: dt.date) -> None:
    """A nil return says a member had nothing to report that month: none before it joined (else a
    new participant could give nil returns for earlier months and count them towards standing)."""
    joined = participant.joined_on
    if joined is None or month < joined.replace(day=1):
        raise ValidationError(
            _(
                "%(month)s is before %(participant)s joined (%(joined)s): a nil return covers a month of "
                "membership. Records of earlier months are welcome in that month's return."
            )
            % {
                "month": month_label(month),
                "participant": participant.local_name,
                "joined": joined.isoformat() if joined else _("not yet"),
            },
            code="before_joining",
        )


def _require_nothing_pending(ret: Return) -> None:
    pending = ret.incidents.filter(status=Incident.Status.SUBMITTED).count()
    if pending:
        raise ValidationError(
            _(
                "%(count)s record(s) of %(month)s wait for validation. Validate or return them before "
                "submitting the month."
            )
            % {"count": pending, "month": month_label(ret.month)}
        )


def _submitted(ret: Return, *, by: User, nil: bool) -> Return:
    ret.status = Return.Status.SUBMITTED
    ret.is_nil = nil
    ret.submitted_at = timezone.now()
    ret.submitted_by = by
    ret.full_clean()
    ret.save()
    return_mark_dirty(ret_id=ret.pk)
    reciprocity_sync_after_commit(trigger=f"return {ret.participant.code} {ret.month:%Y-%m} submitted")
    return ret


@transaction.atomic
def return_submit(*, ret: Return, submitted_by: User) -> Return:
    """The focal point submits a closed month's return with its validated records."""
    _require_focal_point(submitted_by, ret.participant_id, _("submit the monthly return"))
    ret = Return.objects.select_for_update(of=("self",)).select_related("participant").get(pk=ret.pk)
    if ret.status != Return.Status.OPEN:
        raise ValidationError(
            _("The return for %(month)s is already submitted.") % {"month": month_label(ret.month)},
            code="already_submitted",
        )
    _require_month_over(ret.month)
    _require_nothing_pending(ret)
    if not ret.incidents.validated().exists():
        raise ValidationError(
            _(
                "The return for %(month)s has no validated record. If there was nothing to report, "
                "submit a nil return (“nothing to report”) instead."
            )
            % {"month": month_label(ret.month)}
        )
    return _submitted(ret, by=submitted_by, nil=False)


@transaction.atomic
def return_submit_nil(*, participant: Participant, month: dt.date, submitted_by: User) -> Return:
    """The focal point says "nothing to report" for a closed month with no validated record."""
    _require_focal_point(submitted_by, participant.pk, _("submit a nil return"))
    month = month.replace(day=1)
    _require_month_over(month)
    _require_member(participant, month)
    ret, _created = Return.objects.get_or_create(participant=participant, month=month)
    ret = Return.objects.select_for_update(of=("self",)).select_related("participant").get(pk=ret.pk)
    if ret.status != Return.Status.OPEN:
        raise ValidationError(
            _("The return for %(month)s is already submitted.") % {"month": month_label(month)},
            code="already_submitted",
        )
    _require_nothing_pending(ret)
    validated = ret.incidents.validated().count()
    if validated:
        raise ValidationError(
            _("%(month)s has %(count)s validated record(s): submit the return with them, not a nil return.")
            % {"month": month_label(month), "count": validated}
        )
    return _submitted(ret, by=submitted_by, nil=True)


@transaction.atomic
def return_reopen(*, ret: Return, reopened_by: User, reason: str) -> Return:
    """The focal point reopens a submitted return (to add, correct or withdraw records). Audited: the
    return's history keeps who, when and the reason; the participant's standing may change, so the
    reciprocity sync runs after commit."""
    _require_focal_point(reopened_by, ret.participant_id, _("reopen a monthly return"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the return is reopened; the reason is kept.")]})
    ret = Return.objects.select_for_update(of=("self",)).select_related("participant").get(pk=ret.pk)
    if ret.status != Return.Status.SUBMITTED:
        raise ValidationError(_("The return for %(month)s is not submitted.") % {"month": month_label(ret.month)})
    ret.status = Return.Status.OPEN
    ret.is_nil = False
    ret.submitted_at = None
    ret.submitted_by = None
    ret._change_reason = reason  # simple_history stores it on the new history row
    # The history row's user is the one who reopened it, even outside a request.
    ret._history_user = reopened_by
    ret.full_clean()
    ret.save()
    return_mark_dirty(ret_id=ret.pk)
    reciprocity_sync_after_commit(trigger=f"return {ret.participant.code} {ret.month:%Y-%m} reopened")
    return ret
