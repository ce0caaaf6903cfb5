from django.contrib import admin

from institutions.models import AppraisalFirm


@admin.register(AppraisalFirm)
class AppraisalFirmAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "created_at")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("counties",)
