"""Forms for firms, qualifications and engineers. Labels and messages in Simplified Chinese."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.conf import settings

from buildings.models import County
from institutions.credit_code import validate_credit_code
from institutions.models import AppraisalFirm, Engineer, Qualification

# site.css styles every input in `form.stacked` as a 360px text box but leaves selects alone:
# checkboxes keep their natural size and selects match the text boxes.
CHECKBOX_STYLE = "width:auto"
SELECT_STYLE = (
    "width:100%;max-width:360px;padding:8px;border:1px solid var(--line);"
    "border-radius:6px;background:#fff;font:inherit"
)
# Upper bounds keep absurd numbers out of the database (and out of integer overflows).
MAX_STAFF = 100_000
MAX_OPEN_TASKS = 10_000


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def normalise_credit_code(value: str) -> str:
    """Full-width to half-width, whitespace removed, upper-case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


class StyledModelForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("style", CHECKBOX_STYLE)
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("style", SELECT_STYLE)


class FirmForm(StyledModelForm):
    """Everything about a firm that the bureau registers and maintains."""

    # Longer than 18 so that spaces or a pasted full-width code reach the normalisation below
    # instead of failing the length check first.
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=64,
        help_text="18位，字母不区分大小写。",
    )
    counties = forms.ModelMultipleChoiceField(
        label="服务县区",
        queryset=County.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technical_staff_count = forms.IntegerField(
        label="技术人员数", min_value=0, max_value=MAX_STAFF, initial=0
    )
    max_open_tasks = forms.IntegerField(
        label="在办任务上限",
        min_value=0,
        max_value=MAX_OPEN_TASKS,
        required=False,
        help_text="留空则使用系统默认上限（{}）。",
    )

    class Meta:
        model = AppraisalFirm
        fields = [
            "name",
            "credit_code",
            "legal_representative",
            "address",
            "contact_person",
            "contact_phone",
            "technical_staff_count",
            "counties",
            "max_open_tasks",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["max_open_tasks"]
        field.help_text = field.help_text.format(settings.CAMPAIGN["default_firm_capacity"])

    def clean_credit_code(self) -> str:
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        return code


class FirmContactForm(StyledModelForm):
    """What a firm member may change about their own firm: contact details only."""

    technical_staff_count = forms.IntegerField(
        label="技术人员数", min_value=0, max_value=MAX_STAFF, initial=0
    )

    class Meta:
        model = AppraisalFirm
        fields = [
            "legal_representative",
            "address",
            "contact_person",
            "contact_phone",
            "technical_staff_count",
        ]


def scope_choices() -> list[tuple[str, str]]:
    choices = []
    for scope, structure_types in settings.CAMPAIGN["qualification_scopes"].items():
        label = f"{scope}（{'、'.join(structure_types)}）" if structure_types else scope
        choices.append((scope, label))
    return choices


class QualificationForm(StyledModelForm):
    """A certificate or registry entry; the firm is set by the view, never by the form."""

    scopes = forms.MultipleChoiceField(
        label="业务范围",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="括号内为该业务范围可鉴定的结构类型。",
    )

    class Meta:
        model = Qualification
        fields = [
            "kind",
            "certificate_no",
            "level",
            "issuer",
            "valid_from",
            "valid_to",
            "scopes",
            "status",
            "status_reason",
            "barred_until",
        ]
        widgets = {
            "valid_from": date_input(),
            "valid_to": date_input(),
            "barred_until": date_input(),
        }
        help_texts = {
            "status": "名录/公布备案被暂停或移出时，该机构整体不列入公示名录、不得承接任务。",
            "status_reason": "状态为暂停或移出名录时必填。",
            "barred_until": "仅用于被暂停或移出的名录/公布备案；留空表示无限期。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()

    def clean_scopes(self) -> list[str]:
        chosen = set(self.cleaned_data["scopes"])
        # Keep the configured order whatever order the browser sent.
        return [s for s in settings.CAMPAIGN["qualification_scopes"] if s in chosen]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("barred_until"):
            if data.get("status") == Qualification.Status.VALID:
                self.add_error("barred_until", "状态为有效时不应填写不得重新列入截止日。")
            elif data.get("kind") and data["kind"] != Qualification.Kind.REGISTRY:
                self.add_error("barred_until", "不得重新列入截止日仅适用于鉴定机构名录/公布备案。")
        return data


class EngineerForm(StyledModelForm):
    class Meta:
        model = Engineer
        fields = [
            "name",
            "role",
            "title",
            "registration_type",
            "registration_no",
            "registration_valid_to",
            "is_active",
        ]
        widgets = {
            "registration_valid_to": date_input(),
        }
        help_texts = {"is_active": "取消勾选即设为离职；离职人员保留记录但不再列为在职。"}


class SearchForm(forms.Form):
    q = forms.CharField(label="机构名称", max_length=100, required=False)

    def term(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
