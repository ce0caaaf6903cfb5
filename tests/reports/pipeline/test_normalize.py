"""Stage 2: text-layer repair."""

from __future__ import annotations

import pytest

from reports.pipeline.extract import PageText
from reports.pipeline.normalize import (
    clean_line,
    collapse_letter_spacing,
    compact_cjk,
    dedupe_doubled,
    is_page_number,
    join_lines,
    normalize,
    repair_ocr_line,
    split_furniture,
    to_halfwidth,
)


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("产 权 人： 冯刚刚", "产权人： 冯刚刚"),
        ("房 屋 编 号 140828-000014", "房屋编号 140828-000014"),
        ("审 核：侯建军", "审核：侯建军"),
        ("声 明", "声明"),
        # table gaps between cells stay
        ("房屋编号 140828-000014 产权人 张东新", "房屋编号 140828-000014 产权人 张东新"),
        ("是否经营性 否 改扩建情况 否", "是否经营性 否 改扩建情况 否"),
    ],
)
def test_letter_spacing_is_closed_up_but_not_table_gaps(raw, fixed):
    assert collapse_letter_spacing(raw) == fixed


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("11 工工程程概概况况", "1 工程概况"),
        ("66 鉴鉴定定结结论论", "6 鉴定结论"),
        ("该房屋危险性等级评定为CC级级。", "该房屋危险性等级评定为C级。"),
        ("七七、、处处理理建建议议", "七、处理建议"),
        ("依据规定，鉴鉴定定结结论论如下", "依据规定，鉴定结论如下"),
    ],
)
def test_fake_bold_doubling_is_undone(raw, fixed):
    assert dedupe_doubled(raw) == fixed


@pytest.mark.parametrize(
    "real",
    [
        "产权人为冯刚刚。",  # a name with a repeated character
        "大大小小的裂缝十余处",  # reduplication
        "YC-JD-2022-0088",  # digits only
        "2011年11月",
        "刚刚完成加固",
        "看看",
    ],
)
def test_real_repeats_survive(real):
    assert dedupe_doubled(real) == real


def test_fullwidth_codes_and_digits_become_halfwidth_but_chinese_punctuation_stays():
    assert to_halfwidth("ＧＢ　５００１１－２０１０（２０１６年版）") == "GB 50011-2010（2016年版）"
    assert to_halfwidth("最大宽度２．５ｍｍ，贯通") == "最大宽度2.5mm，贯通"
    assert to_halfwidth("处理使用，局部加固；") == "处理使用，局部加固；"


def test_ocr_spacing_and_punctuation_next_to_chinese():
    assert repair_ocr_line("该房屋地上二层 ，为砖混结构") == "该房屋地上二层，为砖混结构"
    assert (
        repair_ocr_line("建议 : 停止使用危险部位，局部 加固.")
        == "建议：停止使用危险部位，局部加固。"
    )
    assert repair_ocr_line("预制空心板楼 (屋) 盖") == "预制空心板楼（屋）盖"
    # a wide gap is a table gap; a known label keeps its gap to the value
    assert repair_ocr_line("房屋编号 :       140826-000178") == "房屋编号：  140826-000178"
    assert repair_ocr_line("产权人 薛晓晓") == "产权人 薛晓晓"


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("《建筑抗震鉴定标准》G8 50023-2009 ;", "《建筑抗震鉴定标准》GB 50023-2009 ;"),
        ("GB/VT 50344-2019", "GB/T 50344-2019"),
        ("JGj 125-2016", "JGJ 125-2016"),
        ("依据GB 50023.2009，经", "依据GB 50023-2009，经"),
    ],
)
def test_ocr_misreads_of_standard_codes(raw, fixed):
    assert clean_line(raw, ocr=True) == fixed


@pytest.mark.parametrize(
    "line",
    [
        "第 2 页 共 7 页",
        "第2页/共5页",
        "第3页，共8页",
        "— 4 —",
        "- 12 -",
        "3/8",
        "Page 2 of 9",
        "7",
    ],
)
def test_page_number_lines(line):
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["第二章 鉴定依据", "1 工程概况", "照片1 房屋外观", "2022年9月"])
def test_not_page_numbers(line):
    assert not is_page_number(line)


def test_running_headers_and_footers_are_taken_out_of_the_body():
    firm = "运城市建科工程质量检测有限公司 报告编号：YC-JD-2022-0290"
    pages = [
        ["报告编号：YC-JD-2022-0290", "房屋安全鉴定报告", "运城市建科工程质量检测有限公司"],
        [firm, "一、房屋概况", "该房屋位于……", "第 2 页 共 4 页"],
        [firm, "二、鉴定依据", "1．《危险房屋鉴定标准》JGJ 125-2016；", "第 3 页 共 4 页"],
        ["照片1 房屋外观", firm, "第 4 页 共 4 页"],
    ]
    split = split_furniture(pages)
    assert split[0][0] == tuple(pages[0])  # the cover keeps its own lines
    assert split[1] == (("一、房屋概况", "该房屋位于……"), (firm, "第 2 页 共 4 页"))
    assert split[3][0] == ("照片1 房屋外观",)


def test_a_table_header_repeated_on_two_pages_of_many_stays():
    header = "序号 构件名称 位置 检查情况 评定结果"
    pages = [[f"正文{i}", "……"] for i in range(10)]
    pages[3] = [header, "1 墙体 一层"]
    pages[4] = [header, "2 楼板 二层"]
    body = split_furniture(pages)
    assert header in body[3][0] and header in body[4][0]


def test_normalize_pages_end_to_end():
    pages = [
        PageText(1, "房 屋 编 号： 140802-000001\n", "text"),
        PageText(2, "某公司 报告编号：X-1\r\n11 工工程程概概况况\n正文\n第 2 页 共 3 页", "text"),
        PageText(3, "某公司 报告编号：X-1\n22 鉴鉴定定依依据据\n第 3 页 共 3 页", "text"),
    ]
    doc = normalize(pages)
    assert [line.text for line in doc.lines()] == [
        "房屋编号： 140802-000001",
        "1 工程概况",
        "正文",
        "2 鉴定依据",
    ]
    assert [line.page for line in doc.lines()] == [1, 2, 2, 3]
    assert {line.text for line in doc.furniture()} >= {"某公司 报告编号：X-1"}


def test_wrapped_lines_join_for_phrase_matching():
    text = join_lines(
        [
            "依据《建筑抗震鉴定标准》，综上所述，该",
            "房屋局部不满足抗震鉴定要",
            "求。",
            "1．对评定为危险构件的墙体进行加固。",
            "5．《建筑抗震设计规范》GB 50011-",
            "2010（2016年版）；",
        ]
    )
    assert "该房屋局部不满足抗震鉴定要求。" in text
    assert "\n1．对评定为危险构件的墙体进行加固。\n" in text
    assert "GB 50011-2010（2016年版）" in text


def test_table_rows_and_labels_stay_separate_paragraphs():
    text = join_lines(
        [
            "房屋坐落：运城市盐湖区",
            "产权人：张三",
            "抗震设防烈度 8度 场地类别 Ⅱ类",
            "设计地震分组 第二组",
        ]
    )
    assert text.split("\n") == [
        "房屋坐落：运城市盐湖区",
        "产权人：张三",
        "抗震设防烈度 8度 场地类别 Ⅱ类",
        "设计地震分组 第二组",
    ]


def test_compact_cjk_drops_spaces_next_to_chinese_only():
    assert compact_cjk("该房屋 为 GB 50023-2009 规定") == "该房屋为GB 50023-2009规定"
