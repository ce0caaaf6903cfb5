from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """Numbered pages with a client-chosen size, capped so no request reads the whole table."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "页码无效。"
