"""Bureau endpoints over the ledger: the building list with filters and one building."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from buildings.models import Building
from portal.api import selectors
from portal.api.base import BUREAU, ApiView, ListApiView, allow
from portal.api.serializers import (
    BuildingDetailSerializer,
    BuildingListQuerySerializer,
    BuildingSerializer,
)

if TYPE_CHECKING:
    from rest_framework.request import Request

TAGS = ["住建局：房屋"]


class BuildingList(ListApiView):
    permission_classes = [allow(*BUREAU)]
    serializer_class = BuildingSerializer
    queryset = Building.objects.none()  # for the schema; rows come from get_queryset

    @extend_schema(
        tags=TAGS,
        summary="房屋列表",
        description="排查台账中的房屋，按房屋编号排序；县区工作人员仅本县区。",
        parameters=[BuildingListQuerySerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = BuildingListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.buildings(self.request.user, query.validated_data)


class BuildingDetail(ApiView):
    permission_classes = [allow(*BUREAU)]

    @extend_schema(tags=TAGS, summary="房屋详情", responses=BuildingDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(BuildingDetailSerializer(selectors.building_detail(request.user, pk)).data)
