"""Who may act, checked before a request body is read: the role table (accounts/roles.py) for the
kind of act, and ownership for a record the caller can read. Reading is the reciprocity rule's
business (reporting/reciprocity.py), never decided here. The services check again, fully."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import User
from accounts.roles import Action, role_can
from reporting.models import Incident


class _RoleMayAct(BasePermission):
    action: Action

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or not hasattr(view, request.method.lower()):
            return True
        return role_can(request.user.role, self.action)


class CanEnterRecords(_RoleMayAct):
    action = Action.ENTER_RECORDS
    message = _("Only contributors and focal points enter and change records.")


class CanSubmitReturns(_RoleMayAct):
    action = Action.SUBMIT_RETURNS
    message = _("Only the focal point submits or reopens its participant's returns.")


def require_may_change(user: User, incident: Incident) -> None:
    """Called once the rule has let the caller read the record (404 otherwise, whatever the role):
    a role that never changes records, or a record of another participant, answers 403."""
    if not role_can(user.role, Action.ENTER_RECORDS):
        raise PermissionDenied(CanEnterRecords.message)
    if incident.participant_id != user.participant_id:
        raise PermissionDenied(_("Only the participant that owns this record can change it."))
