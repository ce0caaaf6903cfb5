"""Stage 3: headings, whatever their numbering, mapped to canonical sections."""

from __future__ import annotations

import pytest

from reports.pipeline.normalize import NormalizedDocument, NormalizedPage
from reports.pipeline.sections import classify_title, find_sections, parse_heading


def doc(*pages: list[str], ocr: bool = False) -> NormalizedDocument:
    source = "ocr" if ocr else "text"
    return NormalizedDocument(
        tuple(NormalizedPage(n, tuple(lines), (), source) for n, lines in enumerate(pages, start=1))
    )


def keys(result) -> list[str]:
    return [s.key for s in result.sections]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("房屋概况", ("overview",)),
        ("工程概况", ("overview",)),
        ("房屋基本情况", ("overview",)),
        ("检测依据", ("basis",)),
        ("现场检查与检测", ("inspection",)),
        ("检测鉴定内容", ("inspection",)),
        ("结构体系及承载能力分析", ("structure",)),
        ("抗震性能评价", ("seismic",)),
        ("抗震构造措施核查", ("seismic",)),
        ("抗震鉴定结论", ("seismic",)),  # a seismic subsection, not the report's conclusion
        ("评定结果", ("conclusion",)),
        ("鉴定意见", ("conclusion",)),
        ("处理意见", ("recommendation",)),
        ("鉴定结论及处理建议", ("conclusion", "recommendation")),
        ("附件", ("appendix",)),
        ("检测数据", ()),
    ],
)
def test_heading_vocabulary(title, expected):
    assert classify_title(title) == expected


@pytest.mark.parametrize(
    ("line", "style", "key"),
    [
        ("一、房屋概况", "cn", "overview"),
        ("1 工程概况", "num", "overview"),
        ("2. 鉴定依据", "num", "basis"),
        ("5.3 抗震鉴定结论", "dotted2", "seismic"),
        ("第五章 抗震性能评价", "chapter", "seismic"),
        ("（二）上部承重结构", "cn_paren", None),
        ("【鉴定结论】", "bracket", "conclusion"),
        ("■ 处理建议", "bullet", "recommendation"),
        ("鉴定结论", "none", "conclusion"),
        ("附件：现场照片", "none", "appendix"),
        ("附录 现场检测照片", "none", "appendix"),
    ],
)
def test_heading_styles(line, style, key):
    heading = parse_heading(line)
    assert heading is not None
    assert heading.style == style
    assert (heading.keys[0] if heading.keys else None) == key


@pytest.mark.parametrize(
    "line",
    [
        "1．《危险房屋鉴定标准》JGJ 125-2016；",
        "根据鉴定结论，建议：停止使用。",
        "处理意见：适当维修后使用。",
        "依据现场检测结果进行鉴定结论分析",
        "1 过梁 一层C轴/3～5轴 八字形裂缝，最大宽度4.5mm 危险构件",
    ],
)
def test_prose_is_not_a_heading(line):
    heading = parse_heading(line)
    assert heading is None or not heading.keys


def test_toc_entries_are_skipped():
    heading = parse_heading("第六章 鉴定结论 ········································ 4")
    assert heading.toc and heading.keys == ("conclusion",)
    result = find_sections(
        doc(
            ["目录", "第一章 工程概况 3", "第二章 鉴定依据 3", "第三章 鉴定结论 4"],
            [
                "第一章 工程概况",
                "概况正文。",
                "第二章 鉴定依据",
                "依据正文。",
                "第三章 鉴定结论",
                "结论正文。",
            ],
        )
    )
    assert keys(result) == ["contents", "overview", "basis", "conclusion"]
    assert result.get("conclusion").pages == (2,)


def test_toc_without_leaders_is_skipped_by_its_page():
    result = find_sections(
        doc(
            ["目 录".replace(" ", ""), "第一章 工程概况", "第二章 处理意见"],
            ["第一章 工程概况", "正文", "第二章 处理意见", "建议正文。"],
        )
    )
    assert keys(result) == ["contents", "overview", "recommendation"]
    assert result.present("recommendation")


def test_subsections_stay_in_their_section():
    result = find_sections(
        doc(
            [
                "1 工程概况",
                "1.1 鉴定目的及范围",
                "正文",
                "2 鉴定依据",
                "（1）《危险房屋鉴定标准》JGJ 125-2016；",
                "5 抗震鉴定",
                "5.3 抗震鉴定结论",
                "该房屋不满足抗震鉴定要求。",
                "6 鉴定结论",
                "该房屋危险性等级为C级。",
            ]
        )
    )
    assert keys(result) == ["overview", "basis", "seismic", "conclusion"]
    assert "5.3 抗震鉴定结论" in [line.text for line in result.get("seismic").lines]


def test_numbered_list_items_in_a_bracketed_report_are_not_headings():
    result = find_sections(
        doc(
            [
                "【房屋概况】",
                "正文",
                "【鉴定依据】",
                "（1）JGJ125-2016《危险房屋鉴定标准》",
                "（2）现场检测数据",
                "（3）GB50003-2011《砌体结构设计规范》",
                "【鉴定结论】",
                "综合评定该房屋危险性等级为：C级。",
            ]
        )
    )
    assert keys(result) == ["overview", "basis", "conclusion"]
    assert len(result.get("basis").lines) == 3


def test_heading_cut_at_a_page_break_is_joined():
    result = find_sections(
        doc(
            ["一、房屋概况", "正文。", "二、鉴定结论", "该房屋危险性等级评定为B级。", "三、处理"],
            ["建议", "适当维修后使用。"],
        )
    )
    assert keys(result) == ["overview", "conclusion", "recommendation"]
    recommendation = result.get("recommendation")
    assert recommendation.heading == "三、处理建议"
    assert recommendation.pages == (1, 2)


def test_numbering_alone_on_its_line_is_joined_with_the_title():
    result = find_sections(doc(["第一章", "工程概况", "正文", "第二章", "鉴定结论", "C级"]))
    assert keys(result) == ["overview", "conclusion"]


def test_heading_alone_at_the_bottom_of_a_page():
    result = find_sections(
        doc(
            ["一、房屋概况", "正文", "二、抗震性能评价"], ["设防烈度为8度。", "三、鉴定结论", "A级"]
        )
    )
    seismic = result.get("seismic")
    assert seismic.pages == (1, 2) and seismic.lines[0].text == "设防烈度为8度。"


def test_form_label_cells_open_sections():
    result = find_sections(
        doc(
            [
                "房屋安全鉴定表",
                "房屋编号 140802-000001 产权人 张三",
                "承载体系 纵墙承重",
                "鉴定依据 1.JGJ 125-2016",
                "2.GB 50023-2009",
                "抗震性能评价",
                "设防烈度为8度，该房屋满足抗震鉴定要求。",
                "鉴定结论 房屋危险性等级：B级。",
                "处理建议 适当维修后使用。",
            ]
        )
    )
    assert keys(result) == ["basis", "seismic", "conclusion", "recommendation"]
    assert result.get("conclusion").lines[0].text == "房屋危险性等级：B级。"
    assert [line.text for line in result.front][1] == "房屋编号 140802-000001 产权人 张三"


def test_combined_conclusion_and_recommendation():
    result = find_sections(
        doc(["一、房屋概况", "正文", "二、鉴定结论及处理意见", "C级，处理使用。"])
    )
    assert result.get("recommendation") is result.get("conclusion")


def test_ocr_heading_with_a_misread_character():
    result = find_sections(
        doc(
            ["第一章 工程概况", "正文", "第力章 抗震性能评价", "8度", "第六章 鉴正结论", "B级"],
            ocr=True,
        )
    )
    assert keys(result) == ["overview", "seismic", "conclusion"]


def test_empty_toc_section_does_not_count_as_present():
    result = find_sections(doc(["一、房屋概况", "正文", "二、抗震性能评价", "三、鉴定结论", "B级"]))
    assert result.get("seismic") is not None and not result.present("seismic")
