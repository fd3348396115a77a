"""The secretariat's admin: participants, agencies, users and memberships.

A participant's status changes only in the console (participation_step: terms, reason, audit); the
admin never shows incident data (docs/reciprocity.md).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Agency, Membership, Participant, ParticipantStatusChange, User
from accounts.services import participant_create


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    autocomplete_fields = ["participant"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "role_display", "participant_code"]
    list_select_related = ["membership__participant"]
    list_filter = ["is_active", "membership__role", "membership__participant"]

    @admin.display(description=_("role"))
    def role_display(self, obj: User) -> str:
        membership = obj.membership_or_none
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("participant"))
    def participant_code(self, obj: User) -> str:
        membership = obj.membership_or_none
        return membership.participant.code if membership and membership.participant_id else "—"


class AgencyInline(admin.TabularInline):
    model = Agency
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = ParticipantStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "effective_on", "changed_at", "changed_by", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "status", "joined_on"]
    list_filter = ["kind", "region", "status"]
    search_fields = ["code", "name", "name_fr", "name_ar"]
    readonly_fields = ["group", "joined_on"]
    inlines = [AgencyInline, StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        # A new participant starts as invited; its status then changes only through the service.
        return [*self.readonly_fields, "status"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = participant_create(
            code=obj.code,
            name=obj.name,
            name_fr=obj.name_fr,
            name_ar=obj.name_ar,
            kind=obj.kind,
            region=obj.region,
            country=obj.country,
            created_by=request.user,
        )
        obj.pk, obj.group_id, obj.status = created.pk, created.group_id, created.status

    # No lifecycle actions here: activation, suspension, reinstatement and withdrawal are in the
    # secretariat's console (/records/console/participants/), where the terms of participation and a
    # reason are required and each step is audited. A participant is withdrawn, never deleted.
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "participant", "kind", "is_active"]
    list_filter = ["kind", "participant"]
    search_fields = ["name"]


# Two-factor devices (issue #9): django-otp's own admin shows an authenticator's key as a QR code,
# which would let an administrator copy anyone's second factor. Here an administrator sees who has
# one and may remove it (a user who lost both phone and recovery codes), never its key.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice, StaticDevice)
class SecondFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
