from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import User


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
