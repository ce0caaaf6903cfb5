from django.contrib import admin

from buildings.models import Building, BuildingCorrection, County, LedgerImport


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")
    ordering = ("sort_order", "code")


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = (
        "building_no",
        "county",
        "address",
        "structure_type",
        "floors",
        "initial_judgement",
    )
    list_filter = ("county", "initial_judgement", "structure_type", "is_business")
    list_select_related = ("county",)
    search_fields = ("building_no", "address", "owner")


@admin.register(BuildingCorrection)
class BuildingCorrectionAdmin(admin.ModelAdmin):
    list_display = ("building", "field", "old_value", "new_value", "confirmed_by", "recorded_at")
    list_select_related = ("building",)
    readonly_fields = [f.name for f in BuildingCorrection._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerImport)
class LedgerImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "started_at", "imported", "updated", "rejected", "conflicts")
    readonly_fields = [f.name for f in LedgerImport._meta.fields]
