"""URL patterns of this area (filled in by its feature)."""

urlpatterns: list = []
