from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = "鉴定机构"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from institutions import signals  # noqa: F401 - connects the receivers
