"""Public Wagtail pages: home, notices (通知公告) and guidance (办事指南)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class HomePage(Page):
    intro = RichTextField("简介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.NoticeIndexPage", "portal.GuidancePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["latest_notices"] = (
            NoticePage.objects.live().public().descendant_of(self).order_by("-date", "-pk")[:5]
        )
        context["guides"] = GuidancePage.objects.live().public().child_of(self)
        return context


class NoticeIndexPage(Page):
    intro = RichTextField("说明", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.NoticePage"]
    parent_page_types = ["portal.HomePage"]

    class Meta:
        verbose_name = "通知公告栏目"

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        notices = NoticePage.objects.live().public().child_of(self).order_by("-date", "-pk")
        context["notices"] = Paginator(notices, 20).get_page(request.GET.get("page"))
        return context


class NoticePage(Page):
    date = models.DateField("发布日期", default=timezone.localdate)
    issuer = models.CharField("发文单位", max_length=100, blank=True)
    document_number = models.CharField("文号", max_length=60, blank=True)
    body = RichTextField("正文")

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("issuer"),
        FieldPanel("document_number"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["portal.NoticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "通知公告"


class GuidancePage(Page):
    summary = models.CharField("摘要", max_length=200, blank=True)
    body = RichTextField("正文")

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "办事指南"
