"""Form pieces the back-office screens share: date fields with the browser's date picker and
Chinese messages."""

from __future__ import annotations

from typing import Any

from django import forms

DATE_ERRORS = {"required": "请填写日期。", "invalid": "日期格式不正确（例如 2025-03-01）。"}


class DateInput(forms.DateInput):
    """The browser's date picker; the value goes out as YYYY-MM-DD, which it requires."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: str, **kwargs: Any) -> forms.DateField:
    kwargs.setdefault("error_messages", DATE_ERRORS)
    return forms.DateField(label=label, widget=DateInput(), **kwargs)
