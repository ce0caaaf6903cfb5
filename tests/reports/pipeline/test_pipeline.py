"""End to end: parse_report, the result's dicts, re-validation, the two command lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reports.pipeline import CONTRACT_KEYS, ParseResult, parse_report, validate_fields

from . import pdfs

ROOT = Path(__file__).resolve().parents[3]
TRUTH_KEYS = [
    "file", "valid", "problems", "report_no", "appraisal_type", "firm", "address", "county",
    "owner", "date", "building_no", "structure_type", "floors", "grade", "load_system",
    "seismic", "recommendation", "standards",
]  # fmt: skip


def test_contract_has_exactly_the_truth_keys_in_order():
    assert list(CONTRACT_KEYS) == TRUTH_KEYS
    contract = parse_report(pdfs.report_pdf(), file_name="r.pdf").contract()
    assert list(contract) == TRUTH_KEYS


def test_a_clean_generated_report():
    result = parse_report(pdfs.report_pdf(), file_name="r.pdf")
    assert result.contract() == {
        "file": "r.pdf",
        "valid": True,
        "problems": [],
        "report_no": pdfs.REPORT_NO,
        "appraisal_type": "危险性鉴定",
        "firm": pdfs.FIRM,
        "address": "运城市盐湖区解州镇东王村12号",
        "county": "盐湖区",
        "owner": "王建国",
        "date": "2022-09-15",
        "building_no": "140802-000123",
        "structure_type": "砖混结构",
        "floors": 2,
        "grade": "C",
        "load_system": "纵横墙混合承重",
        "seismic": {"intensity": "8度", "conclusion": "不满足"},
        "recommendation": "处理使用，局部加固或拆除危险构件",
        "standards": ["JGJ 125-2016", "GB 50023-2009"],
    }
    assert result.page_count == 3 and not result.ocr_used and not result.tables_used
    assert [s.key for s in result.sections][:2] == ["overview", "basis"]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"seismic": False}, "missing_section:seismic"),
        ({"recommendation": None}, "missing_section:recommendation"),
        ({"grade": "E"}, "invalid_grade"),
        ({"recommendation": "可正常使用"}, "grade_recommendation_conflict"),
        ({"floors_structure": "三层"}, "inconsistent_floors"),
        ({"basis": ("《危险房屋鉴定标准》JGJ 125-99；",)}, "outdated_standard:JGJ 125-99"),
    ],
)
def test_each_defect_is_exactly_one_problem(kwargs, problem):
    contract = parse_report(pdfs.report_pdf(**kwargs)).contract()
    assert contract["problems"] == [problem]
    assert contract["valid"] is False


def test_an_assessment_still_needs_its_seismic_section():
    contract = parse_report(pdfs.report_pdf(appraisal_type="安全评估", seismic=False)).contract()
    assert contract["problems"] == ["missing_section:seismic"] and contract["seismic"] is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "unreadable:empty"),
        (b"\x89PNG\r\n\x1a\n....", "unreadable:not_pdf"),
        (pdfs.encrypted(), "unreadable:encrypted"),
        (pdfs.report_pdf()[:2000], "unreadable:truncated"),
        (pdfs.blank_pages(200), "too_large:pages"),
    ],
)
def test_unreadable_files_are_results_with_null_fields(data, code):
    result = parse_report(data, file_name="bad.pdf")
    contract = result.contract()
    assert contract["problems"] == [code] and contract["valid"] is False
    assert all(contract[key] is None for key in TRUTH_KEYS[3:])


def test_scan_without_ocr_is_valid_needs_ocr():
    contract = parse_report(pdfs.scanned_pdf(["房屋安全鉴定报告"]), ocr=False).contract()
    assert (contract["valid"], contract["problems"]) == (True, ["needs_ocr"])


def test_scan_without_tesseract_is_not_valid(monkeypatch):
    monkeypatch.setenv("JIANDING_TESSERACT", "/nonexistent/tesseract")
    result = parse_report(pdfs.scanned_pdf(["房屋安全鉴定报告"]))
    assert result.contract()["problems"] == ["needs_ocr", "ocr_unavailable"]
    assert not result.valid


def test_a_form_layout_is_read_through_its_table_cells():
    rows = [
        ("报告编号", "AB-2022-001"),
        ("房屋编号", "140802-000001"),
        ("产权人", "张三"),
        ("房屋地址", "运城市盐湖区北相镇上王村1号"),
        ("结构类型", "砖混结构"),
        ("层数", "2"),
        ("承载体系", "横墙承重"),
    ]
    result = parse_report(pdfs.form_pdf(rows))
    contract = result.contract()
    assert result.tables_used
    assert (contract["report_no"], contract["owner"], contract["floors"]) == (
        "AB-2022-001",
        "张三",
        2,
    )
    assert contract["load_system"] == "横墙承重" and contract["county"] == "盐湖区"


def test_paths_and_bytes_give_the_same_result(tmp_path):
    data = pdfs.report_pdf()
    path = tmp_path / "报告.pdf"
    path.write_bytes(data)
    assert parse_report(path).contract() == parse_report(data, file_name="报告.pdf").contract()
    assert parse_report(str(path)).contract()["file"] == "报告.pdf"
    with pytest.raises(FileNotFoundError):
        parse_report(tmp_path / "missing.pdf")


def test_full_dict_round_trip():
    result = parse_report(pdfs.report_pdf(grade="E"), file_name="e.pdf")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["problem_codes"] == ["invalid_grade"]
    assert data["problems"][0]["message"] and data["problems"][0]["page"] == 3
    assert (
        data["field_pages"]["grade"] == 3 and data["page_count"] == 3 and data["used_ocr"] is False
    )
    assert {"key", "keys", "heading", "pages", "text"} <= set(data["sections"][0])
    again = ParseResult.from_dict(data)
    assert again == result
    assert again.contract() == result.contract()


def test_validate_fields_re_checks_corrections():
    extracted = parse_report(pdfs.report_pdf(grade="E")).to_dict()
    assert [p["code"] for p in validate_fields(extracted)] == ["invalid_grade"]
    fields = {name: extracted[name] for name in TRUTH_KEYS[3:]}
    assert validate_fields(extracted, {**fields, "grade": "c"}) == []
    problems = validate_fields(extracted, {**fields, "grade": "C", "recommendation": "可正常使用"})
    assert [p["code"] for p in problems] == ["grade_recommendation_conflict"]
    assert set(problems[0]) == {"code", "severity", "message", "page", "field"}


def test_validate_fields_keeps_reading_problems():
    extracted = parse_report(pdfs.scanned_pdf(["房屋安全鉴定报告"]), ocr=False).to_dict()
    assert [p["code"] for p in validate_fields(extracted)] == ["needs_ocr"]  # nothing read
    unreadable = parse_report(b"").to_dict()
    assert [p["code"] for p in validate_fields(unreadable)] == ["unreadable:empty"]


def test_a_bug_in_a_stage_is_a_result_not_a_crash(monkeypatch, caplog):
    import reports.pipeline as pipeline

    def broken(doc):
        raise RuntimeError("bug")

    monkeypatch.setattr(pipeline, "find_sections", broken)
    result = parse_report(pdfs.report_pdf(), file_name="r.pdf")
    assert result.contract()["problems"] == ["parse_error"] and not result.valid
    assert result.page_count == 3 and "bug" in caplog.text


def run_module(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "reports.pipeline", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_module_prints_one_json_line_and_exits_0(tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(pdfs.report_pdf())
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    done = run_module(str(good))
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["file"] == "good.pdf"
    done = run_module("--full", "--max-pages", "10", str(bad))
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["problem_codes"] == ["unreadable:not_pdf"] and data["problems"][0]["message"]
    assert run_module(str(tmp_path / "missing.pdf")).returncode == 2


def test_the_pipeline_does_not_import_django():
    code = "import sys, reports.pipeline, reports.pipeline.__main__; print('django' in sys.modules)"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60, check=True
    )
    assert done.stdout.strip() == b"False"


def test_management_command_prints_contract_lines(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    good = tmp_path / "good.pdf"
    good.write_bytes(pdfs.report_pdf())
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    call_command("parse_report", str(good), str(empty), "--json")
    lines = capsys.readouterr().out.splitlines()
    assert [list(json.loads(line)) for line in lines] == [TRUTH_KEYS, TRUTH_KEYS]
    assert json.loads(lines[1])["problems"] == ["unreadable:empty"]
    call_command("parse_report", str(empty))
    assert "unreadable:empty" in capsys.readouterr().out
    with pytest.raises(CommandError, match="不存在"):
        call_command("parse_report", str(tmp_path / "missing.pdf"), "--json")
