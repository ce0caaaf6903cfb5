from __future__ import annotations

from django.db import models


class County(models.Model):
    """A county-level division of the city (县/市/区), keyed by its GB/T 2260 code.

    The list is data, not code: it is seeded by a migration and editable by site admins,
    so a city other than Yuncheng only changes rows.
    """

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "县（市、区）"
        verbose_name_plural = "县（市、区）"

    def __str__(self) -> str:
        return self.name
