"""Copied-report detection on generated reports, and the bureau's side-by-side pages."""

from __future__ import annotations

import copy
import io
import random

import pytest
from django.core.management import call_command
from django.urls import reverse

from search.copies import detect_copies, fact_sentences
from search.models import CopyPair
from tests.search.helpers import make_report
from tests.search.texts import DISCLAIMERS, GRADE_DEFINITIONS, generated_sections

pytestmark = pytest.mark.django_db


def generated_report(seed: int, *, sections=None, **kw):
    sections = sections or generated_sections(random.Random(seed), grade=kw.pop("grade", "C"))
    return make_report(extracted={"sections": sections}, **kw)


def copied_from(sections, seed: int):
    """Another building's report whose inspection, conclusion and advice were copied; the
    overview (address, owner, year) is this building's own."""
    own = generated_sections(random.Random(seed), grade="C")
    out = copy.deepcopy(sections)
    out[0] = own[0]
    return out


def test_a_report_with_copied_inspection_text_is_flagged_among_independent_ones():
    background = [generated_report(seed) for seed in range(100, 128)]
    original = generated_report(1)
    copy_ = generated_report(
        2, sections=copied_from(original.extracted["sections"], seed=2), state="submitted"
    )
    pairs = detect_copies()
    assert [(p.version_a_id, p.version_b_id) for p in pairs] == [(original.pk, copy_.pk)]
    assert pairs[0].similarity >= 0.3
    assert background  # 28 independent reports, none flagged


def test_reports_sharing_only_boilerplate_are_not_flagged():
    # Same grade, standards, disclaimers, grade definition and template sentences; their own facts.
    a = generated_report(11, grade="C")
    b = generated_report(12, grade="C")
    assert detect_copies() == []
    assert not CopyPair.objects.exists()
    assert a.extracted["sections"][-1]["text"] == b.extracted["sections"][-1]["text"] == DISCLAIMERS


def test_boilerplate_sentences_are_dropped_before_shingling():
    text = f"该房屋{GRADE_DEFINITIONS['C']}。依据《危险房屋鉴定标准》JGJ 125-2016评定。{DISCLAIMERS}二层A轴墙体斜裂缝宽2.5mm。"
    assert fact_sentences(text) == ["二层a轴墙体斜裂缝宽25mm"]


def test_two_reports_on_the_same_building_are_not_a_copy():
    original = generated_report(21)
    generated_report(22, sections=copied_from(original.extracted["sections"], seed=22),
                     building=original.report.task.building, state="submitted")  # fmt: skip
    assert detect_copies() == []


def test_drafts_are_not_compared():
    original = generated_report(31)
    generated_report(
        32, sections=copied_from(original.extracted["sections"], seed=32), state="parsed"
    )
    assert detect_copies() == []


def test_review_status_survives_a_new_run_and_the_command_lists_pairs():
    original = generated_report(41)
    generated_report(42, sections=copied_from(original.extracted["sections"], seed=42))
    (pair,) = detect_copies()
    out = io.StringIO()
    call_command("search_detect_copies", stdout=out, stderr=io.StringIO())
    assert f"{pair.version_a_id}\t{pair.version_b_id}" in out.getvalue()
    CopyPair.objects.filter(pk=pair.pk).update(status="dismissed")
    assert detect_copies() == []
    assert CopyPair.objects.get().status == "dismissed"


def test_the_bureau_sees_pairs_side_by_side_with_shared_passages(client, personas):
    original = generated_report(51)
    copy_ = generated_report(
        52, sections=copied_from(original.extracted["sections"], seed=52), county="140821"
    )
    (pair,) = detect_copies()
    client.force_login(personas.city_bureau)
    listing = client.get(reverse("search_copies")).content.decode()
    assert f'data-pair="{pair.pk}"' in listing
    page = client.get(reverse("search_copy_detail", args=[pair.pk]))
    html = page.content.decode()
    assert page.context["passages"]
    shared = original.extracted["sections"][2]["text"][20:40]
    assert shared in "".join(page.context["passages"])
    assert html.count("<mark>") >= 2
    assert copy_.report.task.building.building_no in html
    response = client.post(reverse("search_copy_review", args=[pair.pk]), {"status": "confirmed"})
    assert response.status_code == 302
    assert CopyPair.objects.get().status == "confirmed"


def test_county_staff_only_see_pairs_within_their_county_and_reviewers_none(client, personas):
    original = generated_report(61)
    generated_report(
        62, sections=copied_from(original.extracted["sections"], seed=62), county="140821"
    )
    (pair,) = detect_copies()
    client.force_login(personas.county_bureau)  # 盐湖区: sees only one of the two reports
    assert (
        f'data-pair="{pair.pk}"'
        not in client.get(reverse("search_copies"), {"status": "all"}).content.decode()
    )
    assert client.get(reverse("search_copy_detail", args=[pair.pk])).status_code == 404
    client.force_login(personas.reviewer)
    assert client.get(reverse("search_copies")).status_code == 403
