from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from reports.models import AppraisalTask, ReportTransition, TaskTransition


class TaskTransitionInline(admin.TabularInline):
    # The audit trail is read-only, even for site admins.
    model = TaskTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_state", "to_state", "firm", "actor", "reason", "at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AppraisalTask)
class AppraisalTaskAdmin(admin.ModelAdmin):
    # State changes go through reports.assignments (audited), never through this form.
    list_display = ("building", "appraisal_type", "state", "firm", "due_date", "priority")
    list_filter = ("state", "appraisal_type", "deadline_class")
    list_select_related = ("building", "firm")
    search_fields = ("building__building_no",)
    readonly_fields = [f.name for f in AppraisalTask._meta.fields]
    inlines = [TaskTransitionInline]

    def has_add_permission(self, request):
        return False

    # Deleting a task would cascade into its audit trail, which is append-only.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskTransition)
class TaskTransitionAdmin(ReadOnlyAdmin):
    list_display = ("task", "from_state", "to_state", "firm", "actor", "reason", "at")
    list_filter = ("to_state",)
    list_select_related = ("task__building", "firm", "actor")


@admin.register(ReportTransition)
class ReportTransitionAdmin(ReadOnlyAdmin):
    list_display = ("version", "from_state", "to_state", "actor", "comment", "at")
    list_filter = ("to_state",)
    list_select_related = ("version__report__task__building", "actor")
