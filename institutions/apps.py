from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = "鉴定机构"
    default_auto_field = "django.db.models.BigAutoField"
