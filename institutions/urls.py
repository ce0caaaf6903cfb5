# Firm management (bureau), firm self-service and the public registry: filled in by the firms work.
urlpatterns: list = []
