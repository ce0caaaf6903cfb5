from django.contrib import admin

from buildings.models import County


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")
    ordering = ("sort_order", "code")
