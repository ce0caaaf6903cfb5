"""Report search: the database backend's index, the indexing outbox and flagged copied reports.

The engine-specific parts of the index live outside these models, created by the migration
for the database in use: on SQLite an FTS5 table `search_fts` over the `tok_*` columns, on
PostgreSQL a table `search_match` of tsvectors with a GIN index; both kept in step by
triggers on the entry table.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SearchEntry(models.Model):
    """One accepted report (its current version) as the database backend indexes it.

    Triggers on this table keep the engine's index in step (migrations 0002, 0006): on
    SQLite, a migration that makes Django rebuild the table (most ALTERs there) must create
    them again (see 0003).
    """

    report_id = models.BigIntegerField("报告", unique=True)
    version_id = models.BigIntegerField("版本")
    building_id = models.BigIntegerField("房屋", null=True)
    report_no = models.CharField("报告编号", max_length=100, blank=True)
    building_no = models.CharField("房屋编号", max_length=32, blank=True)
    address = models.CharField("地址", max_length=200, blank=True, default="")
    # Facets (denormalised: read into the facet columns in memory, search.backends.columns).
    grade = models.CharField("等级", max_length=4, blank=True)
    county_id = models.BigIntegerField("县区", null=True)
    county = models.CharField("县区名称", max_length=32, blank=True)
    firm_id = models.BigIntegerField("鉴定机构", null=True)
    firm = models.CharField("机构名称", max_length=100, blank=True)
    structure_type = models.CharField("结构类型", max_length=20, blank=True)
    floors = models.PositiveSmallIntegerField("层数", null=True)
    floors_bucket = models.CharField("层数段", max_length=10, blank=True)
    year_built = models.PositiveSmallIntegerField("建造年代", null=True)
    year_bucket = models.CharField("建成年代段", max_length=12, blank=True)
    business_use = models.CharField("经营用途", max_length=20, blank=True)
    appraisal_type = models.CharField("鉴定类别", max_length=20, blank=True)
    date = models.DateField("报告日期", null=True)
    year = models.PositiveSmallIntegerField("报告年份", null=True)
    # Codes cited, for facet counts without a join (SearchStandard rows serve the filter).
    standards = models.JSONField("引用标准", default=list, blank=True)
    # Text by field group, as written (for snippets) and as tokens (what the engine indexes).
    conclusion = models.TextField("鉴定结论与处理建议", blank=True)
    facts = models.TextField("报告要素", blank=True)
    body = models.TextField("正文", blank=True)
    captions = models.TextField("照片说明", blank=True)
    tok_conclusion = models.TextField(blank=True)
    tok_facts = models.TextField(blank=True)
    tok_body = models.TextField(blank=True)
    tok_captions = models.TextField(blank=True)
    indexed_at = models.DateTimeField("索引时间", auto_now=True)

    class Meta:
        verbose_name = "检索条目"
        verbose_name_plural = "检索条目"
        indexes = [
            models.Index(fields=["county_id"], name="search_entry_county_idx"),
            models.Index(fields=["firm_id"], name="search_entry_firm_idx"),
            models.Index(fields=["date"], name="search_entry_date_idx"),
        ]

    def __str__(self) -> str:
        return self.report_no or f"report {self.report_id}"


class IndexState(models.Model):
    """One row: a random token that every write to the database index replaces, first thing
    in the writing transaction. The facet columns in memory (search.backends.columns) catch
    up when it differs from the token they were read at."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "索引状态"
        verbose_name_plural = "索引状态"

    def __str__(self) -> str:
        return self.token


class SearchStandard(models.Model):
    """A standard a report cites (a multi-valued facet, so a row per code)."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="standard_rows")
    code = models.CharField("标准", max_length=60)

    class Meta:
        verbose_name = "引用标准"
        verbose_name_plural = "引用标准"
        indexes = [models.Index(fields=["code", "entry"], name="search_standard_code_idx")]

    def __str__(self) -> str:
        return self.code


class IndexOutbox(models.Model):
    """A report whose index entry must be brought up to date, written in the transaction that
    changed the report. The worker drains it after commit; a failure leaves the row pending
    with its attempts and last error, and a later drain retries it."""

    report_id = models.BigIntegerField("报告", db_index=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now)
    processed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "索引待办"
        verbose_name_plural = "索引待办"
        indexes = [
            models.Index(
                fields=["processed_at", "next_attempt_at"], name="search_outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.report_id} ({'done' if self.processed_at else 'pending'})"


class CopyPair(models.Model):
    """Two reports on different buildings whose fact-bearing text is near-identical."""

    class Status(models.TextChoices):
        NEW = "new", "待核查"
        CONFIRMED = "confirmed", "确认雷同"
        DISMISSED = "dismissed", "排除"

    version_a = models.ForeignKey(
        "reports.ReportVersion", on_delete=models.CASCADE, related_name="+"
    )
    version_b = models.ForeignKey(
        "reports.ReportVersion", on_delete=models.CASCADE, related_name="+"
    )
    similarity = models.FloatField("相似度")
    shared_shingles = models.PositiveIntegerField("共同片段数")
    status = models.CharField("核查结论", max_length=10, choices=Status.choices, default=Status.NEW)
    detected_at = models.DateTimeField("发现时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-similarity", "pk"]
        verbose_name = "疑似雷同报告"
        verbose_name_plural = "疑似雷同报告"
        constraints = [
            models.UniqueConstraint(
                fields=["version_a", "version_b"], name="search_copy_pair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version_a__lt=models.F("version_b")),
                name="search_copy_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_a_id} ~ {self.version_b_id} ({self.similarity:.2f})"
