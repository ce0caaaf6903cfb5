"""Bureau records control for a D building, is refused lifting it, records rectification and
re-inspection (复核), then lifts it — in a real browser."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from buildings.models import Building, ControlMeasure
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD, BuildingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


def test_bureau_controls_rectifies_and_lifts(page, live_server, personas):
    b = BuildingFactory(building_no="140802-700001", appraisal_grade="D", control_required=True)

    login(page, live_server, "bureau_city", TEST_PASSWORD)
    assert page.locator("[data-stat=uncontrolled]").inner_text() == "1"
    page.get_by_role("link", name="需管控未落实清单").click()
    page.get_by_role("link", name="140802-700001").click()

    measure = page.locator("form[data-form=measure]")
    measure.get_by_label("管控措施").select_option("停止使用")
    measure.get_by_label("责任人").fill("李四")
    measure.get_by_label("现场照片").set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    measure.get_by_role("button", name="保存管控措施").click()
    assert "管控措施已记录" in page.content()
    assert page.locator("table[data-list=measures] tr[data-active='1']").count() == 1

    page.get_by_role("button", name="解除管控").click()
    assert "不能解除管控：尚未制定整治方案" in page.content()

    plan = page.locator("form[data-form=rectification]")
    plan.get_by_label("整治措施").select_option("维修加固")
    plan.get_by_label("责任部门").fill("盐湖区住建局")
    plan.get_by_label("责任人").fill("王五")
    plan.get_by_label("整治期限").fill("2030-06-30")
    plan.get_by_label("整治进度").select_option("已整治")
    plan.get_by_role("button", name="保存整治方案").click()
    assert "整治方案已保存" in page.content()

    page.get_by_role("button", name="解除管控").click()
    assert "整治完成后尚未录入复核记录" in page.content()

    check = page.locator("form[data-form=reinspection]")
    check.get_by_label("复核人").fill("赵六")
    check.get_by_label("复核意见").fill("加固到位，同意解除管控")
    check.get_by_role("button", name="保存复核记录").click()
    assert "复核记录已保存" in page.content()

    page.get_by_role("button", name="解除管控").click()
    assert "已解除管控" in page.content()
    assert page.locator("[data-requires-control]").get_attribute("data-requires-control") == "0"
    b = Building.objects.get(pk=b.pk)
    assert not b.control_required
    assert ControlMeasure.objects.get(building=b).ended_on is not None
