"""The ledger import end to end: upsert, rejected rows, conflicts, scope, requeue, command.

Workbooks are written in the test with openpyxl (buildings.ledger.ledger_workbook);
`ledger_row` and `ledger_file` are shared with the other ledger test modules.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from io import StringIO
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from buildings.ledger import LedgerFileError, error_report, import_ledger
from buildings.ledger.columns import HEADERS
from buildings.ledger.reader import _fast_rows, _load_workbook, openpyxl_rows
from buildings.ledger.report import ledger_workbook
from buildings.models import Building, BuildingCorrection, LedgerImport
from reports.assignments import task_create
from reports.models import AppraisalTask
from reports.queue import get_queue_policy
from tests.factories import county

if TYPE_CHECKING:
    from pathlib import Path

TODAY = dt.date(2026, 11, 29)
COUNTY_CODES = {"盐湖区": "140802", "临猗县": "140821", "万荣县": "140822"}


def ledger_row(n: int = 1, changes: dict[str, Any] | None = None, county: str = "盐湖区") -> dict:
    """A valid ledger row (values as the provincial template has them), keyed by header."""
    row = {
        "房屋编号": f"{COUNTY_CODES[county]}-{n:06d}",
        "县区": county,
        "乡镇（街道）": "中城街道",
        "村（社区）": "康宁社区",
        "详细地址": f"{county}中城街道康宁社区解放路{n}号",
        "产权人": "闫峰秀",
        "联系电话": "137****5969",
        "结构类型": "砖混结构",
        "层数": 2,
        "建造年代": 1995,
        "建筑面积(㎡)": 205.1,
        "是否经营性": "否",
        "经营用途": None,
        "是否改扩建": "否",
        "最大跨度(m)": 5.4,
        "是否钢结构": "否",
        "设计施工监理验收手续是否完备": "否",
        "初判结论": "未发现安全隐患",
        "管控措施": None,
        "备注": "临街",
    }
    row.update(changes or {})
    return row


def ledger_file(tmp_path: Path, rows: list[dict], headers=HEADERS, name="ledger.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(ledger_workbook(rows, headers=headers))
    return path


def run(tmp_path: Path, rows: list[dict], **kwargs: Any) -> LedgerImport:
    kwargs.setdefault("today", TODAY)
    return import_ledger(ledger_file(tmp_path, rows), **kwargs)


def test_it_creates_buildings_with_cleaned_values(tmp_path, db):
    record = run(
        tmp_path,
        [
            ledger_row(1),
            ledger_row(2, {"是否经营性": "是", "经营用途": "餐饮", "是否改扩建": "加建"}),
            ledger_row(3, {"结构类型": "框架", "层数": "4", "建造年代": None, "最大跨度(m)": None}),
        ],
    )
    assert record.summary == "imported 3, updated 0, rejected 0"
    assert (record.imported, record.updated, record.rejected, record.conflicts) == (3, 0, 0, 0)
    b1 = Building.objects.get(building_no="140802-000001")
    assert b1.county == county("140802")
    assert (b1.floors, b1.year_built, b1.area, b1.max_span) == (
        2,
        1995,
        Decimal("205.10"),
        Decimal("5.40"),
    )
    assert (b1.is_business, b1.is_steel, b1.procedures_complete) == (False, False, False)
    assert (b1.remarks, b1.control_measures, b1.business_use) == ("临街", "", "")
    b2 = Building.objects.get(building_no="140802-000002")
    assert (b2.is_business, b2.business_use, b2.alteration) == (True, "餐饮", "加建")
    b3 = Building.objects.get(building_no="140802-000003")
    assert (b3.structure_type, b3.floors, b3.year_built, b3.max_span) == ("框架结构", 4, None, None)
    assert b3.created_at is not None and b3.updated_at == b3.created_at


def test_a_second_run_of_the_same_file_updates_and_changes_nothing(tmp_path, db):
    rows = [ledger_row(n) for n in range(1, 6)]
    first = run(tmp_path, rows)
    before = {b.building_no: b.updated_at for b in Building.objects.all()}
    second = run(tmp_path, rows)
    assert first.summary == "imported 5, updated 0, rejected 0"
    assert second.summary == "imported 0, updated 5, rejected 0"
    assert Building.objects.count() == 5
    # Unchanged rows are matched, not rewritten.
    assert {b.building_no: b.updated_at for b in Building.objects.all()} == before


def test_a_reimport_updates_changed_fields_only(tmp_path, db):
    run(tmp_path, [ledger_row(1), ledger_row(2)])
    b2_before = Building.objects.get(building_no="140802-000002")
    record = run(
        tmp_path,
        [
            ledger_row(1, {"层数": 3, "建筑面积(㎡)": 99, "备注": None}),
            ledger_row(2),
            ledger_row(3),
        ],
    )
    assert record.summary == "imported 1, updated 2, rejected 0"
    b1 = Building.objects.get(building_no="140802-000001")
    assert (b1.floors, b1.area, b1.remarks, b1.owner) == (3, Decimal("99.00"), "", "闫峰秀")
    assert b1.updated_at > b1.created_at
    assert Building.objects.get(building_no="140802-000002").updated_at == b2_before.updated_at


def test_one_bad_row_does_not_stop_the_file(tmp_path, db):
    record = run(
        tmp_path,
        [ledger_row(1), ledger_row(2, {"层数": "一层", "建造年代": 2099}), ledger_row(3)],
    )
    assert record.summary == "imported 2, updated 0, rejected 1"
    assert set(Building.objects.values_list("building_no", flat=True)) == {
        "140802-000001",
        "140802-000003",
    }
    # Excel row numbers: header is row 1, so the second data row is row 3. Every problem listed.
    assert record.errors == [
        {
            "row": 3,
            "building_no": "140802-000002",
            "column": "层数",
            "message": "层数须为数字，不能填“一层”",
        },
        {
            "row": 3,
            "building_no": "140802-000002",
            "column": "建造年代",
            "message": "建造年代2099年晚于当前年份",
        },
    ]


def test_a_duplicate_number_rejects_the_later_row_and_keeps_the_first(tmp_path, db):
    record = run(
        tmp_path,
        [ledger_row(1, {"产权人": "第一行"}), ledger_row(2), ledger_row(1, {"产权人": "重复行"})],
    )
    assert record.summary == "imported 2, updated 0, rejected 1"
    assert record.errors == [
        {
            "row": 4,
            "building_no": "140802-000001",
            "column": "房屋编号",
            "message": "房屋编号与第2行重复",
        }
    ]
    assert Building.objects.get(building_no="140802-000001").owner == "第一行"


def test_a_file_with_only_the_header_imports_nothing(tmp_path, db):
    record = run(tmp_path, [])
    assert record.summary == "imported 0, updated 0, rejected 0"
    assert (record.errors, record.conflict_rows) == ([], [])


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_rows(tmp_path, db):
    blank = dict.fromkeys(HEADERS)
    record = run(tmp_path, [ledger_row(1), blank, blank, ledger_row(2, {"县区": None})])
    assert record.summary == "imported 1, updated 0, rejected 1"
    assert record.errors[0]["row"] == 5


def correct(building: Building, field: str, value: Any, shown: str, user) -> BuildingCorrection:
    """What a confirmed correction leaves behind: the new value on the building, and the record."""
    old = getattr(building, field)
    setattr(building, field, value)
    building.save()
    return BuildingCorrection.objects.create(
        building=building,
        field=field,
        old_value=str(old),
        new_value=shown,
        confirmed_by="王工",
        confirmer_kind="设计",
        evidence=SimpleUploadedFile(
            "confirm.pdf", b"%PDF-1.4 dummy", content_type="application/pdf"
        ),
        recorded_by=user,
    )


def test_a_reimport_keeps_corrected_fields_and_lists_the_conflicts(tmp_path, personas):
    run(tmp_path, [ledger_row(1), ledger_row(2)])
    b1 = Building.objects.get(building_no="140802-000001")
    correct(b1, "floors", 3, "3", personas.city_bureau)
    correct(b1, "is_steel", True, "是", personas.city_bureau)
    b2 = Building.objects.get(building_no="140802-000002")
    correct(b2, "structure_type", "框架结构", "框架结构", personas.city_bureau)

    record = run(
        tmp_path,
        [
            # Still 2 floors and not steel, against the corrections; the rest is new.
            ledger_row(1, {"产权人": "新产权人", "备注": "已复核"}),
            # Now agrees with its correction: no conflict.
            ledger_row(2, {"结构类型": "框架结构"}),
        ],
    )
    assert record.summary == "imported 0, updated 2, rejected 0"
    assert record.conflicts == 2
    assert record.conflict_rows == [
        {"building_no": "140802-000001", "field": "floors", "ledger": "2", "confirmed": "3"},
        {"building_no": "140802-000001", "field": "is_steel", "ledger": "否", "confirmed": "是"},
    ]
    b1.refresh_from_db()
    assert (b1.floors, b1.is_steel) == (3, True)  # corrected values kept
    assert (b1.owner, b1.remarks) == ("新产权人", "已复核")  # the rest of the row went in
    assert Building.objects.get(building_no="140802-000002").structure_type == "框架结构"


def test_county_staff_import_only_their_county(tmp_path, personas):
    run(tmp_path, [ledger_row(7, county="临猗县")])  # an existing 临猗县 house
    record = run(
        tmp_path,
        [
            ledger_row(1),
            ledger_row(2, county="临猗县"),
            # 临猗县's house, relabelled 盐湖区: would move it into the importer's county.
            ledger_row(7, {"房屋编号": "140821-000007"}),
        ],
        user=personas.county_bureau,
    )
    assert record.summary == "imported 1, updated 0, rejected 2"
    assert [(e["row"], e["column"], e["message"]) for e in record.errors] == [
        (3, "县区", "县区“临猗县”不在您的管辖范围"),
        (4, "房屋编号", "房屋编号已登记在临猗县，不在您的管辖范围"),
    ]
    assert record.imported_by == personas.county_bureau
    assert Building.objects.get(building_no="140821-000007").county == county("140821")


def test_city_staff_import_every_county(tmp_path, personas):
    record = run(
        tmp_path, [ledger_row(1), ledger_row(2, county="临猗县")], user=personas.city_bureau
    )
    assert record.summary == "imported 2, updated 0, rejected 0"


def test_open_tasks_are_requeued_when_queue_facts_change(tmp_path, db):
    run(tmp_path, [ledger_row(n) for n in (1, 2, 3)])
    tasks = {
        n: task_create(
            building=Building.objects.get(building_no=f"140802-00000{n}"), actor=None, today=TODAY
        )
        for n in (1, 2, 3)
    }
    policy = get_queue_policy()
    assert {t.priority for t in tasks.values()} == {policy.priority("未发现安全隐患", "other")}

    run(
        tmp_path,
        [
            ledger_row(1, {"初判结论": "初判存疑"}),
            ledger_row(2, {"是否经营性": "是", "经营用途": "餐饮", "是否改扩建": "扩建"}),
            ledger_row(3, {"产权人": "换了产权人"}),  # not a queue fact
        ],
    )
    t1, t2, t3 = (AppraisalTask.objects.get(pk=tasks[n].pk) for n in (1, 2, 3))
    assert (t1.priority, t1.deadline_class) == (policy.priority("初判存疑", "other"), "other")
    assert t2.deadline_class == "business_alteration"
    assert t2.priority == policy.priority("未发现安全隐患", "business_alteration")
    assert (t3.priority, t3.deadline_class, t3.version) == (tasks[3].priority, "other", 1)
    assert t1.priority < t2.priority < t3.priority  # 初判存疑 first


def test_the_import_is_one_transaction(tmp_path, db, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(LedgerImport.objects, "create", crash)
    with pytest.raises(RuntimeError):
        run(tmp_path, [ledger_row(1), ledger_row(2)])
    assert Building.objects.count() == 0


def test_columns_are_found_by_header_in_any_order(tmp_path, db):
    headers = ["备注", "扩展列", *reversed(HEADERS[:-1])]
    headers[headers.index("建筑面积(㎡)")] = " 建筑面积（m²） "
    row = ledger_row(1) | {"扩展列": "ignored", " 建筑面积（m²） ": 88.8}
    record = import_ledger(ledger_file(tmp_path, [row], headers=headers), today=TODAY)
    assert record.summary == "imported 1, updated 0, rejected 0"
    assert Building.objects.get().area == Decimal("88.80")


def test_a_file_without_required_headers_is_refused(tmp_path, db):
    headers = [h for h in HEADERS if h not in ("层数", "初判结论")]
    with pytest.raises(LedgerFileError, match="缺少必需的列：层数、初判结论"):
        import_ledger(ledger_file(tmp_path, [ledger_row(1)], headers=headers))
    assert LedgerImport.objects.count() == 0


def test_a_missing_optional_column_leaves_that_field_alone(tmp_path, db):
    run(tmp_path, [ledger_row(1, {"备注": "原备注"})])
    headers = [h for h in HEADERS if h != "备注"]
    record = import_ledger(
        ledger_file(tmp_path, [ledger_row(1, {"层数": 5})], headers=headers), today=TODAY
    )
    assert record.summary == "imported 0, updated 1, rejected 0"
    building = Building.objects.get()
    assert (building.floors, building.remarks) == (5, "原备注")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "不是有效的 Excel"),
        (b"PK\x03\x04 not really a zip", "不是有效的 Excel"),
        ("房屋编号,县区\n".encode(), "不是有效的 Excel"),
    ],
)
def test_a_file_that_is_not_xlsx_is_refused(tmp_path, db, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(LedgerFileError, match=message):
        import_ledger(path)


def test_a_broken_workbook_is_refused_before_anything_is_written(tmp_path, db):
    good = ledger_workbook([ledger_row(n) for n in range(1, 50)])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # sheet XML cut in the middle of a row
            dst.writestr(item, data)
    path = tmp_path / "broken.xlsx"
    path.write_bytes(broken.getvalue())
    with pytest.raises(LedgerFileError, match="文件已损坏"):
        import_ledger(path)
    assert Building.objects.count() == 0


def test_a_sheet_with_a_dtd_is_refused(tmp_path, db):
    good = ledger_workbook([ledger_row(1)])
    evil = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                    + data.split(b"?>", 1)[-1]
                )
            dst.writestr(item, data)
    path = tmp_path / "dtd.xlsx"
    path.write_bytes(evil.getvalue())
    with pytest.raises(LedgerFileError):
        import_ledger(path)


def to_shared_strings(xlsx: bytes) -> bytes:
    """Rewrite openpyxl's inline strings as a shared-string table, as Excel and WPS write them."""
    strings: list[str] = []

    def shared(match: re.Match[bytes]) -> bytes:
        strings.append(match.group(2).decode())
        return match.group(1) + b' t="s"><v>' + str(len(strings) - 1).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'(<c r="[A-Z]+\d+")(?: t="inlineStr")><is><t>([^<]*)</t></is></c>',
                    shared,
                    data,
                )
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                    b"</Relationships>",
                )
            dst.writestr(item, data)
        items = "".join(f"<si><t>{s}</t></si>" for s in strings)
        dst.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + items
            + "</sst>",
        )
    return out.getvalue()


def mixed_workbook() -> bytes:
    """Every kind of cell: text, int, float, bool, date, empty cells, a formula, a gap row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "排查台账"
    sheet.append(["房屋编号", "层数", "面积", "是否", "日期", None, "公式"])
    sheet.append(["140802-000001", 2, 120.5, True, dt.datetime(2022, 9, 15), None, "=1+1"])
    sheet.append([None, None, 1e20, False, None, "空后", None])
    sheet.append([])
    sheet.append(["  带空格  ", -3, 0.1, None, dt.date(1999, 1, 2), "A&B<c>", "x"])
    sheet["J6"] = "稀疏"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def trimmed(rows):
    out = []
    for number, values in rows:
        while values and values[-1] is None:
            values = values[:-1]
        if values:
            out.append((number, values))
    return out


@pytest.mark.parametrize("shared", [False, True], ids=["inline-strings", "shared-strings"])
def test_the_fast_reader_returns_what_openpyxl_returns(tmp_path, shared):
    content = mixed_workbook()
    if shared:
        content = to_shared_strings(content)
    path = tmp_path / "mixed.xlsx"
    path.write_bytes(content)
    with path.open("rb") as fileobj:
        ours = _load_workbook(fileobj)  # what LedgerFile opens, minus the header check
        fast = list(_fast_rows(ours["排查台账"]))
        ours.close()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    reference = list(openpyxl_rows(workbook["排查台账"]))
    workbook.close()
    assert trimmed(fast) == trimmed(reference)
    assert fast[1] == (2, ["140802-000001", 2, 120.5, True, dt.datetime(2022, 9, 15), None, None])


def test_a_shared_strings_ledger_imports(tmp_path, db):
    path = tmp_path / "excel.xlsx"
    path.write_bytes(to_shared_strings(ledger_workbook([ledger_row(1), ledger_row(2)])))
    record = import_ledger(path, today=TODAY)
    assert record.summary == "imported 2, updated 0, rejected 0"
    assert (
        Building.objects.get(building_no="140802-000002").address
        == "盐湖区中城街道康宁社区解放路2号"
    )


def test_the_error_report_lists_rejected_rows_and_conflicts(tmp_path, db):
    record = LedgerImport.objects.create(
        file_name="x.xlsx",
        rejected=1,
        errors=[
            {"row": 3, "building_no": "=HYPERLINK(1)", "column": "层数", "message": "层数须为数字"}
        ],
        conflict_rows=[
            {"building_no": "140802-000001", "field": "floors", "ledger": "2", "confirmed": "3"}
        ],
    )
    workbook = openpyxl.load_workbook(io.BytesIO(error_report(record)))
    assert workbook.sheetnames == ["拒收行", "与已确认修正冲突"]
    errors = list(workbook["拒收行"].iter_rows(values_only=True))
    assert errors == [
        ("行号", "房屋编号", "列", "问题"),
        (3, "=HYPERLINK(1)", "层数", "层数须为数字"),
    ]
    assert workbook["拒收行"]["B2"].data_type == "s"  # text, not a formula
    conflicts = list(workbook["与已确认修正冲突"].iter_rows(values_only=True))
    assert conflicts[1] == ("140802-000001", "层数", "2", "3")


def test_the_command_prints_the_summary_line(tmp_path, db):
    path = ledger_file(tmp_path, [ledger_row(1), ledger_row(2, {"层数": "二层"}), ledger_row(3)])
    out, err = StringIO(), StringIO()
    call_command("import_ledger", str(path), "--today", "2026-11-29", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[-1] == "imported 2, updated 0, rejected 1"
    assert "100%" in err.getvalue()
    record = LedgerImport.objects.get()
    assert (record.file_name, record.imported_by) == ("ledger.xlsx", None)


def test_the_command_writes_the_error_report_and_reports_conflicts(tmp_path, personas):
    call_command(
        "import_ledger",
        str(ledger_file(tmp_path, [ledger_row(1)])),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    correct(Building.objects.get(), "floors", 4, "4", personas.city_bureau)
    path = ledger_file(tmp_path, [ledger_row(1), ledger_row(2, county="临猗县")])
    report = tmp_path / "errors.xlsx"
    out = StringIO()
    call_command(
        "import_ledger",
        str(path),
        "--user",
        "bureau_yanhu",
        "--errors",
        str(report),
        stdout=out,
        stderr=StringIO(),
    )
    lines = out.getvalue().splitlines()
    assert lines[-1] == "imported 0, updated 1, rejected 1"
    assert lines[0].startswith("conflicts 1")
    assert f"error report written to {report}" in lines
    rows = list(openpyxl.load_workbook(report)["拒收行"].iter_rows(values_only=True))
    assert rows[1] == (3, "140821-000002", "县区", "县区“临猗县”不在您的管辖范围")
    assert LedgerImport.objects.first().imported_by == personas.county_bureau


def test_the_command_refuses_an_unknown_user_and_a_broken_file(tmp_path, db):
    path = ledger_file(tmp_path, [ledger_row(1)])
    with pytest.raises(CommandError, match="不存在"):
        call_command(
            "import_ledger", str(path), "--user", "nobody", stdout=StringIO(), stderr=StringIO()
        )
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(CommandError, match="不是有效的 Excel"):
        call_command("import_ledger", str(bad), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command(
            "import_ledger", str(tmp_path / "missing.xlsx"), stdout=StringIO(), stderr=StringIO()
        )
    assert Building.objects.count() == 0
