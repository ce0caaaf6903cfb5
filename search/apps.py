from django.apps import AppConfig


class SearchConfig(AppConfig):
    # Report search; Wagtail's own page search is the separate "wagtailsearch" app.
    name = "search"
    verbose_name = "报告检索"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from search import signals

        signals.connect()
