# Bureau ledger pages (import, import history, rejected-row download): filled in by the ledger import work.
urlpatterns: list = []
