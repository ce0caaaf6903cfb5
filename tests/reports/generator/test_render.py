from __future__ import annotations

import dataclasses
import random
import re

import pypdfium2 as pdfium
import pytest

from reports.generator import LAYOUTS, ReportSpec, apply_defect, random_spec, render_report
from reports.generator.content import all_date_forms, cn_number
from reports.generator.fonts import cjk_font
from reports.generator.images import make_photo
from tests.reports.generator.pdftext import cjk_unspaced, compact, page_texts

TEXT_LAYOUTS = [x for x in LAYOUTS if x != "scanned"]
PAGE_NUMBER = re.compile(r"第\s*\d+\s*页|—\s*\d+\s*—")


def test_layouts_named_in_the_api_exist() -> None:
    assert {
        "numbered_cn",
        "numbered_arabic",
        "chapters_toc",
        "form_table",
        "bracketed",
        "scanned",
    } <= set(LAYOUTS)


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        render_report(random_spec(random.Random(0)), "wavy")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_renders_a_sane_pdf(rendered, layout: str) -> None:
    spec, pdf = rendered[layout]
    assert pdf.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(pdf)
    try:
        assert 3 <= len(doc) <= 20 + spec.extra_pages
        width, height = doc[0].get_size()
        assert 590 < width < 600 and 838 < height < 846  # A4 cover
    finally:
        doc.close()


def _field_values(spec: ReportSpec) -> list[str]:
    values = [
        spec.report_no, spec.firm, spec.address, spec.county, spec.owner, spec.building_no,
        spec.structure_type, spec.load_system, spec.appraisal_type,
        *(code.replace(" ", "") for code in spec.standards),
    ]  # fmt: skip
    if spec.grade is not None:
        values.append(f"{spec.grade}级")
    if spec.recommendation is not None:
        values.append(spec.recommendation)
    if spec.seismic_intensity is not None:
        values += [spec.seismic_intensity, f"{spec.seismic_conclusion}抗震鉴定要求"]
    return values


def _assert_fields_in(spec: ReportSpec, text: str) -> None:
    flat = compact(text)
    missing = [v for v in _field_values(spec) if compact(v) not in flat]
    assert not missing, f"not in the text layer: {missing}"
    assert any(form in flat for form in all_date_forms(spec.date)), "report date"
    assert any(form in flat for form in all_date_forms(spec.inspection_date)), "inspection date"
    n = spec.floors
    assert any(p in flat for p in (f"{n}层", f"{cn_number(n)}层", f"层数{n}")), "floors"


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_text_layouts_carry_every_contract_field(rendered, layout: str) -> None:
    spec, pdf = rendered[layout]
    _assert_fields_in(spec, "\n".join(page_texts(pdf)))


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
@pytest.mark.parametrize("seed", [1, 2])
def test_text_layouts_carry_fields_for_other_specs(layout: str, seed: int) -> None:
    rng = random.Random(f"{layout}:{seed}")
    spec = random_spec(rng, grade="ABCD"[(seed + len(layout)) % 4])
    _assert_fields_in(spec, "\n".join(page_texts(render_report(spec, layout, seed=seed))))


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_running_header_and_footer_on_every_page_but_the_cover(rendered, layout: str) -> None:
    spec, pdf = rendered[layout]
    pages = page_texts(pdf)
    assert not PAGE_NUMBER.search(pages[0])
    for number, text in enumerate(pages[1:], start=2):
        flat = compact(text)
        assert compact(spec.report_no) in flat, f"page {number}: report number"
        assert spec.firm in flat, f"page {number}: firm"
        assert PAGE_NUMBER.search(cjk_unspaced(text)), f"page {number}: page number"


def test_scanned_layout_has_no_text_layer_and_modest_pages(rendered) -> None:
    _, pdf = rendered["scanned"]
    texts = page_texts(pdf)
    assert all(not t.strip() for t in texts)
    assert len(pdf) / len(texts) < 400 * 1024
    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            kinds = [obj.type for obj in doc[i].get_objects()]
            assert kinds == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    finally:
        doc.close()


@pytest.mark.parametrize("layout", ["numbered_cn", "scanned"])
def test_rendering_is_deterministic(rendered, layout: str) -> None:
    spec, pdf = rendered[layout]
    seed = LAYOUTS.index(layout)
    assert render_report(spec, layout, seed=seed) == pdf


def test_different_seeds_give_different_documents(rendered) -> None:
    spec, pdf = rendered["form_table"]
    assert render_report(spec, "form_table", seed=999) != pdf


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_missing_sections_are_not_printed(layout: str) -> None:
    spec = random_spec(random.Random(7), grade=None, seismic_intensity=None, recommendation=None)
    flat = compact("\n".join(page_texts(render_report(spec, layout, seed=3))))
    assert not re.search(r"危险性等级(评定)?(为|：)", flat)
    assert "抗震鉴定要求" not in flat
    assert "抗震设防烈度" not in flat
    assert "处理意见：" not in flat and "建议：" not in flat


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_invalid_grade_is_printed_as_is(layout: str) -> None:
    spec = apply_defect(random_spec(random.Random(8)), "invalid_grade", random.Random(1))
    flat = compact("\n".join(page_texts(render_report(spec, layout, seed=4))))
    assert re.search(rf"危险性等级(评定)?为?：?{spec.grade}级", flat)


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_structure_section_states_the_inconsistent_storeys(layout: str) -> None:
    spec = random_spec(
        random.Random(9), structure_type="砖混结构", floors=3, floors_in_structure_section=2
    )
    flat = compact("\n".join(page_texts(render_report(spec, layout, seed=5))))
    assert any(p in flat for p in ("地上3层", "地上三层", "层数3")), "overview storeys"
    assert any(p in flat for p in ("为2层", "地上2层", "地上二层")), "structure-section storeys"


def test_supplied_photos_are_embedded() -> None:
    photos = [make_photo(random.Random(i), "wall_crack") for i in range(3)]
    spec = dataclasses.replace(random_spec(random.Random(10)), photos=photos)
    doc = pdfium.PdfDocument(render_report(spec, "numbered_arabic", seed=1))
    try:
        images = sum(
            1
            for i in range(len(doc))
            for obj in doc[i].get_objects()
            if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE
            and obj.get_px_size()[0] >= 400  # photos, not the seal
        )
    finally:
        doc.close()
    assert images == 3


def test_extra_pages_lengthen_the_report() -> None:
    spec = random_spec(random.Random(12))
    short = len(page_texts(render_report(spec, "bracketed", seed=1)))
    long = page_texts(render_report(dataclasses.replace(spec, extra_pages=4), "bracketed", seed=1))
    assert len(long) >= short + 3
    # The measurement table's header row is repeated on every page it spans.
    with_header = [t for t in long if "回弹值" in t and "换算强度" in t]
    assert len(with_header) >= 4


def test_font_is_embedded_truetype(rendered) -> None:
    font = cjk_font()
    if not font.embedded:
        pytest.skip("no TrueType CJK font on this machine: the built-in fallback is in use")
    _, pdf = rendered["numbered_cn"]
    assert b"/FontFile2" in pdf


def test_builtin_font_fallback_still_renders_text(monkeypatch) -> None:
    monkeypatch.setenv("JIANDING_REPORT_FONT", "builtin")
    spec = random_spec(random.Random(13))
    pdf = render_report(spec, "numbered_cn", seed=1)
    assert b"/FontFile2" not in pdf
    assert spec.building_no in compact("\n".join(page_texts(pdf)))
