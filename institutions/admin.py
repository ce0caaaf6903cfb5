from django.contrib import admin

from institutions.models import AppraisalFirm, Engineer, Qualification


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


class EngineerInline(admin.TabularInline):
    model = Engineer
    extra = 0


@admin.register(AppraisalFirm)
class AppraisalFirmAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "max_open_tasks", "created_at")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("counties",)
    inlines = [QualificationInline, EngineerInline]
