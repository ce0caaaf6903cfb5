"""Firm endpoints over tasks: the queue lists, detail, accept, decline, claim, claim next.

Every change calls the service function the web queue calls (reports.assignments); its
refusals become 409 with the same Chinese message (portal.api.errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from portal.api import selectors
from portal.api.base import FIRM, ApiView, ListApiView, allow
from portal.api.serializers import (
    DeclineSerializer,
    TaskDetailSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
)
from reports.assignments import task_accept, task_claim, task_claim_next, task_decline
from reports.models import AppraisalTask
from reports.selectors import firm_queue

if TYPE_CHECKING:
    from rest_framework.request import Request

TAGS = ["鉴定机构：任务"]


def task_response(user: Any, task: AppraisalTask) -> Response:
    # Re-read after a change: the service moved state and firm; updated_at is the database's.
    task = AppraisalTask.objects.select_related("building__county", "firm").get(pk=task.pk)
    task.history, task.versions_list = selectors.task_history(user, task)
    task.actions_list = selectors.task_actions(user, task)
    return Response(TaskDetailSerializer(task).data)


class TaskList(ListApiView):
    permission_classes = [allow(*FIRM)]
    serializer_class = TaskSerializer
    queryset = AppraisalTask.objects.none()  # for the schema; rows come from get_queryset

    @extend_schema(
        tags=TAGS,
        summary="任务列表",
        description="与门户“鉴定任务”页相同的列表，按排队规则排序：mine 为本机构未办结任务，"
        "offered 为待接受的派单，held 为在办任务，pool 为任务池中本机构此刻可领取的任务。",
        parameters=[TaskListQuerySerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = TaskListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        scope = query.validated_data["scope"]
        return firm_queue(self.request.user, scope, timezone.localdate())


class TaskDetail(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(tags=TAGS, summary="任务详情", responses=TaskDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return task_response(request.user, selectors.visible_task(request.user, pk))


class TaskAccept(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(tags=TAGS, summary="接受派单", request=None, responses=TaskDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.visible_task(request.user, pk)
        task_accept(task=task, user=request.user)
        return task_response(request.user, task)


class TaskDecline(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(
        tags=TAGS,
        summary="拒绝派单",
        description="任务退回任务池，须填写原因。",
        request=DeclineSerializer,
        responses=TaskDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.visible_task(request.user, pk)
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task_decline(task=task, user=request.user, reason=body.validated_data["reason"])
        return task_response(request.user, task)


class TaskClaim(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(
        tags=TAGS, summary="领取任务池中的任务", request=None, responses=TaskDetailSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.visible_task(request.user, pk)
        task = task_claim(task=task, user=request.user)
        return task_response(request.user, task)


class TaskClaimNext(ApiView):
    permission_classes = [allow(*FIRM)]

    @extend_schema(
        tags=TAGS,
        summary="领取下一个任务",
        description="按排队规则领取本机构可承接的第一个任务；任务池中没有可领取的任务时返回 204。",
        request=None,
        responses={
            200: TaskDetailSerializer,
            204: OpenApiResponse(description="任务池中暂无您的机构可承接的任务"),
        },
    )
    def post(self, request: Request) -> Response:
        task = task_claim_next(user=request.user)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return task_response(request.user, task)
