from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "鉴定任务与报告"
    default_auto_field = "django.db.models.BigAutoField"
