from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import (
    AccountabilityRecord,
    NotificationLog,
    RequiredAction,
    SupervisionRound,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through a service that audits them, or audit rows themselves
    (append-only): viewable here, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "name", "role", "firm", "county", "is_active", "last_login")
    list_filter = ("role", "county", "is_active")
    list_select_related = ("firm", "county")
    search_fields = ("username", "name", "email", "phone")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("门户角色", {"fields": ("name", "phone", "role", "firm", "county")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("门户角色", {"fields": ("name", "role", "firm", "county")}),
    )


class RequiredActionInline(admin.TabularInline):
    model = RequiredAction
    extra = 0
    fields = ("text", "responsible_unit", "deadline", "status", "follow_up", "followed_up_on")


@admin.register(SupervisionRound)
class SupervisionRoundAdmin(admin.ModelAdmin):
    list_display = ("held_on", "county", "kind", "recorded_by")
    list_filter = ("kind", "county")
    list_select_related = ("county", "recorded_by")
    date_hierarchy = "held_on"
    search_fields = ("team", "findings")
    inlines = [RequiredActionInline]
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for action in formset.save(commit=False):
            if action.recorded_by_id is None:
                action.recorded_by = request.user
            action.save()
        for gone in formset.deleted_objects:
            gone.delete()


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(admin.ModelAdmin):
    list_display = ("held_on", "county", "kind", "target")
    list_filter = ("kind", "county")
    list_select_related = ("county",)
    date_hierarchy = "held_on"
    search_fields = ("target", "reason", "content")
    raw_id_fields = ("supervision",)
    readonly_fields = ("recorded_by", "recorded_at", "followed_up_by", "followed_up_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(NotificationLog)
class NotificationLogAdmin(admin.ModelAdmin):
    """Read-only: rows are written by portal.notifications; deleting one allows a resend."""

    list_display = ("created_at", "kind", "object_id", "period", "email", "status", "attempts")
    list_filter = ("kind", "status")
    search_fields = ("email", "recipient__username")
    list_select_related = ("recipient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _site_admins_only(request) -> bool:
    """Django admin is for site admins only. The staff flag follows the role on save, but a
    flag set behind save()'s back (a queryset update, a SQL fix) must not open every county's
    rows to a bureau or firm account with global model permissions."""
    from portal.roles import Role

    user = request.user
    return user.is_active and user.is_staff and Role.of(user) == Role.ADMIN


admin.site.has_permission = _site_admins_only
