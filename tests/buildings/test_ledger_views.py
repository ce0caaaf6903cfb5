"""Bureau ledger pages: upload, result, error download, history; who may use them."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from buildings.ledger.report import ledger_workbook
from buildings.models import Building, LedgerImport
from tests.buildings.test_ledger_import import ledger_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def post(client, content: bytes, name: str = "台账.xlsx"):
    return client.post(reverse("ledger_import"), {"file": upload(content, name)})


def good_file() -> bytes:
    return ledger_workbook(
        [ledger_row(1), ledger_row(2, {"层数": "一层"}), ledger_row(3, county="临猗县")]
    )


def test_city_bureau_uploads_and_sees_the_result(client, personas):
    client.force_login(personas.city_bureau)
    page = client.get(reverse("ledger_import"))
    assert page.status_code == 200
    assert "排查台账导入" in page.content.decode()

    response = post(client, good_file())
    record = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ledger_import_detail", args=[record.pk])
    assert (record.file_name, record.imported_by) == ("台账.xlsx", personas.city_bureau)
    assert Building.objects.count() == 2

    body = client.get(response.url).content.decode()
    assert "imported 2, updated 0, rejected 1" in body
    assert "导入完成：新增 2 栋，更新 0 栋，拒收 1 行。" in body
    assert "层数须为数字" in body and "140802-000002" in body
    assert reverse("ledger_import_errors", args=[record.pk]) in body


def test_county_bureau_import_is_scoped_to_their_county(client, personas):
    client.force_login(personas.county_bureau)
    post(client, good_file())
    record = LedgerImport.objects.get()
    assert record.summary == "imported 1, updated 0, rejected 2"
    body = client.get(reverse("ledger_import_detail", args=[record.pk])).content.decode()
    assert "不在您的管辖范围" in body


def test_the_result_page_shows_only_the_first_100_rejected_rows(client, personas):
    client.force_login(personas.city_bureau)
    post(client, ledger_workbook([ledger_row(n, {"详细地址": None}) for n in range(1, 131)]))
    record = LedgerImport.objects.get()
    assert record.rejected == 130
    body = client.get(reverse("ledger_import_detail", args=[record.pk])).content.decode()
    assert body.count("详细地址为空") == 100
    assert "另有 30 条" in body


def test_the_error_report_downloads_as_an_attachment(client, personas):
    client.force_login(personas.city_bureau)
    post(client, good_file())
    record = LedgerImport.objects.get()
    response = client.get(reverse("ledger_import_errors", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook["拒收行"].iter_rows(values_only=True))
    assert rows == [
        ("行号", "房屋编号", "列", "问题"),
        (3, "140802-000002", "层数", "层数须为数字，不能填“一层”"),
    ]


def broken_xlsx() -> bytes:
    """A real workbook whose workbook part is garbage."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_file())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = b"<garbage" if item.filename == "xl/workbook.xml" else src.read(item)
            dst.writestr(item, data)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "台账.xlsx", "不是有效的 Excel 工作簿"),
        ("房屋编号,县区\n".encode(), "台账.xlsx", "不是有效的 Excel 工作簿"),
        (b"%PDF-1.4\n", "台账.xlsx", "不是有效的 Excel 工作簿"),
        (plain_zip(), "台账.xlsx", "不是有效的 Excel 工作簿"),
        (good_file()[:3000], "台账.xlsx", "不是有效的 Excel 工作簿"),
        (broken_xlsx(), "台账.xlsx", "文件已损坏"),
        (good_file(), "台账.xls", "只能导入 Excel 工作簿（.xlsx）文件"),
        (ledger_workbook([{"房屋编号": "1"}], headers=["房屋编号"]), "台账.xlsx", "缺少必需的列"),
    ],
    ids=["ole-xls", "csv", "pdf", "plain-zip", "truncated", "broken-part", "xls-name", "headers"],
)
def test_a_bad_upload_gets_a_chinese_error_not_a_500(client, personas, content, name, message):
    client.force_login(personas.city_bureau)
    response = post(client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert LedgerImport.objects.count() == 0
    assert Building.objects.count() == 0


def test_an_empty_or_missing_file_is_refused(client, personas):
    client.force_login(personas.city_bureau)
    assert "请选择要导入的排查台账文件" in client.post(reverse("ledger_import")).content.decode()
    assert "上传的文件是空的" in post(client, b"").content.decode()


def test_a_file_over_20_mb_is_refused(client, personas):
    client.force_login(personas.city_bureau)
    response = post(client, b"PK" + b"\0" * (20 * 1024 * 1024))
    assert response.status_code == 400
    assert "文件超过 20 MB" in response.content.decode()


@pytest.mark.parametrize("persona", ["firm_member", "reviewer", "no_role"])
def test_other_roles_are_forbidden(client, personas, persona):
    record = LedgerImport.objects.create(file_name="x.xlsx", imported_by=personas.city_bureau)
    client.force_login(getattr(personas, persona))
    for url in (
        reverse("ledger_import"),
        reverse("ledger_import_detail", args=[record.pk]),
        reverse("ledger_import_errors", args=[record.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert post(client, good_file()).status_code == 403
    assert Building.objects.count() == 0


def test_anonymous_users_go_to_login(client, db):
    response = client.get(reverse("ledger_import"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_site_admin_may_import(client, personas):
    client.force_login(personas.admin)
    assert post(client, good_file()).status_code == 302


def test_county_staff_see_their_own_imports_city_staff_see_all(client, personas):
    mine = LedgerImport.objects.create(file_name="mine.xlsx", imported_by=personas.county_bureau)
    theirs = LedgerImport.objects.create(
        file_name="theirs.xlsx", imported_by=personas.other_county_bureau
    )
    city = LedgerImport.objects.create(file_name="city.xlsx", imported_by=personas.city_bureau)

    client.force_login(personas.county_bureau)
    body = client.get(reverse("ledger_import")).content.decode()
    assert "mine.xlsx" in body and "theirs.xlsx" not in body and "city.xlsx" not in body
    assert client.get(reverse("ledger_import_detail", args=[mine.pk])).status_code == 200
    for other in (theirs, city):
        assert client.get(reverse("ledger_import_detail", args=[other.pk])).status_code == 404
        assert client.get(reverse("ledger_import_errors", args=[other.pk])).status_code == 404

    client.force_login(personas.city_bureau)
    body = client.get(reverse("ledger_import")).content.decode()
    assert all(name in body for name in ("mine.xlsx", "theirs.xlsx", "city.xlsx"))
    assert client.get(reverse("ledger_import_errors", args=[theirs.pk])).status_code == 200


def test_values_from_the_file_are_escaped(client, personas):
    client.force_login(personas.city_bureau)
    post(client, ledger_workbook([ledger_row(1, {"结构类型": "<script>alert(1)</script>"})]))
    record = LedgerImport.objects.get()
    body = client.get(reverse("ledger_import_detail", args=[record.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_the_result_page_lists_conflicts_with_corrections(client, personas):
    record = LedgerImport.objects.create(
        file_name="x.xlsx",
        imported_by=personas.city_bureau,
        updated=1,
        conflicts=1,
        conflict_rows=[
            {"building_no": "140802-000009", "field": "floors", "ledger": "2", "confirmed": "3"}
        ],
    )
    client.force_login(personas.city_bureau)
    body = client.get(reverse("ledger_import_detail", args=[record.pk])).content.decode()
    assert "与已确认修正冲突" in body
    assert "<td>140802-000009</td><td>层数</td><td>2</td><td>3</td>" in body
    assert reverse("ledger_import_errors", args=[record.pk]) in body
