from django.apps import AppConfig


class BuildingsConfig(AppConfig):
    name = "buildings"
    verbose_name = "房屋台账"
    default_auto_field = "django.db.models.BigAutoField"
