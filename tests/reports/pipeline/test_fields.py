"""Stage 4: the contract fields from small inline texts."""

from __future__ import annotations

import pytest

from reports.pipeline.extract import PageText, TableRow
from reports.pipeline.fields import (
    Fields,
    Seismic,
    cn_to_int,
    extract_fields,
    find_county,
    find_structure_type,
    label_values,
    main_recommendation,
    parse_date,
    repair_address,
    table_label_values,
)
from reports.pipeline.normalize import Line, normalize
from reports.pipeline.sections import find_sections


def fields_of(*pages: str, ocr: bool = False, table_rows=()) -> Fields:
    doc = normalize(
        [PageText(n, text, "ocr" if ocr else "text") for n, text in enumerate(pages, start=1)]
    )
    return extract_fields(doc, find_sections(doc), table_rows=table_rows)


COVER = """报告编号：YC-JD-2022-0290
房屋安全鉴定报告
房屋编号： 140825-000082
委托单位： 冯刚刚
产 权 人： 冯刚刚
房屋地址： 山西省运城市新绛县阳王镇小王头村9组86号
鉴定类别： 危险性鉴定
鉴定机构： 运城市建科工程质量检测有限公司
现场检测日期： 2022年10月2日
鉴定日期： 2022年10月10日"""

BODY = """一、房屋概况
该房屋位于山西省运城市新绛县阳王镇小王头村9组86号，为地上三层砖混结构房屋。
二、鉴定依据
1．《危险房屋鉴定标准》JGJ 125-2016；
2．《建筑抗震设计规范》GB50011-2010（2016年版）；
3．《城市危险房屋管理规定》（建设部令第129号）；
4．《建筑结构检测技术标准》GB/T 50344-
2019；
四、结构体系及承载能力
该房屋地上三层，为砖混结构，承载体系为纵横墙混合承重，预制空心板楼盖。
五、抗震性能评价
该房屋所在地区抗震设防烈度为8度。依据《建筑抗震鉴定标准》GB 50023-2009，综上所述，该
房屋局部不满足抗震鉴定要求。
六、鉴定结论
各楼层：一层Cu级，二层Bu级。该房屋危险性等级评定为C级（部分承重结构不能满足安全使用要求）。
注：A级 无危险构件；B级 个别构件危险；D级 整幢危房。
七、处理建议
根据鉴定结论，建议：停止使用危险部位，局部加固或拆除危险构件。
1．加固前应设置临时支撑。
运城市建科工程质量检测有限公司 报告编号：YC-JD-2022-0290"""


def test_a_whole_report():
    f = fields_of(COVER, BODY)
    assert f.contract() == {
        "report_no": "YC-JD-2022-0290",
        "appraisal_type": "危险性鉴定",
        "firm": "运城市建科工程质量检测有限公司",
        "address": "山西省运城市新绛县阳王镇小王头村9组86号",
        "county": "新绛县",
        "owner": "冯刚刚",
        "date": "2022-10-10",
        "building_no": "140825-000082",
        "structure_type": "砖混结构",
        "floors": 3,
        "grade": "C",
        "load_system": "纵横墙混合承重",
        "seismic": {"intensity": "8度", "conclusion": "局部不满足"},
        "recommendation": "停止使用危险部位，局部加固或拆除危险构件",
        "standards": ["JGJ 125-2016", "GB 50011-2010(2016年版)", "GB/T 50344-2019"],
    }
    assert f.pages["report_no"] == 1 and f.pages["grade"] == 2 and f.pages["floors"] == 2


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2022年9月15日", "2022-09-15"),
        ("2022.09.15", "2022-09-15"),
        ("2022-9-5", "2022-09-05"),
        ("二〇二二年九月十五日", "2022-09-15"),
        ("二〇二二年十月三日", "2022-10-03"),
        ("二○二三年十二月三十一日", "2023-12-31"),
        ("2022年9月28曰", "2022-09-28"),  # OCR: the last character misread
    ],
)
def test_date_formats(text, iso):
    assert parse_date(text)[0] == iso


def test_impossible_dates_are_not_dates():
    assert parse_date("2022年13月45日") is None


def test_report_date_beats_site_inspection_date_and_cover_date_line():
    f = fields_of(
        "现场检测日期 2022.08.30\n鉴定日期 2022.09.02", "六、鉴定结论\nB级\n报告日期：2022年9月3日"
    )
    assert f.date == "2022-09-03"
    f = fields_of(
        "房屋安全鉴定报告\n某某鉴定有限公司\n二〇二二年九月二十一日",
        "一、房屋概况\n现场检测日期：2022年9月14日",
    )
    assert f.date == "2022-09-21"


def test_floors_in_words_and_digits():
    assert cn_to_int("三") == 3 and cn_to_int("十二") == 12 and cn_to_int("两") == 2
    assert fields_of("一、房屋概况\n为地上二层砖木结构房屋。").floors == 2
    assert fields_of("一、房屋概况\n结构类型 砖混结构 层数 4").floors == 4
    assert fields_of("1 工程概况\n该房屋为6层框架结构。").floors == 6


def test_floor_mentions_keep_every_part():
    f = fields_of("一、房屋概况\n为地上三层砖混结构。\n四、结构体系\n该房屋地上二层，为砖混结构。")
    assert f.floors == 3
    assert [(m.value, m.where) for m in f.floor_mentions] == [(3, "overview"), (2, "structure")]


def test_storey_grades_and_definitions_are_not_the_grade():
    conclusion = "六、鉴定结论\n一层Cu级，二层Du级。\nA级 无危险构件\nD级 整幢危房\n综合评定该房屋危险性等级为B级。"
    assert fields_of(conclusion).grade == "B"


@pytest.mark.parametrize(
    ("line", "grade", "printed"),
    [
        ("该房屋危险性等级评定为C级。", "C", "C"),
        ("房屋危险性等级：D级。", "D", "D"),
        ("综合评定该房屋危险性等级为：“A”级", "A", "A"),
        ("该房屋危险性等级评定为CC级级。", "C", "C"),  # fake bold
        ("该房屋危险性等级评定为Ｂ级。", "B", "B"),  # full-width
        ("该房屋危险性等级评定为E级。", None, "E"),
        ("该房屋属于D级危房。", "D", "D"),
    ],
)
def test_grade(line, grade, printed):
    f = fields_of(f"六、鉴定结论\n{line}")
    assert (f.grade, f.printed_grade) == (grade, printed)


def test_no_conclusion_section_no_grade():
    f = fields_of("一、房屋概况\n正文\n二、鉴定依据\n该房屋危险性等级评定为C级。")
    assert f.grade is None and f.printed_grade is None


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("根据鉴定结论，建议：停止使用，整体拆除。\n1．设置警戒区。", "停止使用，整体拆除"),
        (
            "根据鉴定结论，对该房屋提出以下处理建议：\n（1）处理使用，局部加固或拆除危险构件。\n（2）…",
            "处理使用，局部加固或拆除危险构件",
        ),
        ("处理意见：适当维修后使用。\n（1）修补裂缝。", "适当维修后使用"),
        (
            "停止使用危险部位，局部加固或拆除危险构件。\n1.加固设计应由具有资质的单位完成。",
            "停止使用危险部位，局部加固或拆除危险构件",
        ),
        ("7.1 处理建议\n可正常使用，定期检查维护。", "可正常使用，定期检查维护"),
        ("建议：观察使用", "观察使用"),
    ],
)
def test_main_recommendation(section, expected):
    assert main_recommendation(section)[0] == expected


def test_seismic_intensity_and_conclusion():
    f = fields_of(
        "五、抗震鉴定\n抗震设防烈度 7度 设计基本地震加速度 0.15g\n5.3 结论\n经第一级鉴定，该房屋不满足抗震鉴定要求。"
    )
    assert f.seismic == Seismic("7度", "不满足")
    f = fields_of("五、抗震性能评价\n设防烈度为八度。经核查，该房屋符合抗震鉴定要求。")
    assert f.seismic == Seismic("8度", "满足")
    assert fields_of("一、房屋概况\n设防烈度为8度，满足抗震鉴定要求。").seismic is None


def test_standards_in_order_normalised_and_without_non_codes():
    f = fields_of(
        "二、鉴定依据\n（1）JGJ125-2016《危险房屋鉴定标准》\n（2）《既有建筑鉴定与加固通用规范》（GB 55021-2021）\n"
        "（3）委托书\n（4）GB 50010-2010（2015年版）\n（5）《危险房屋鉴定标准》JGJ 125-2016\n（6）建办质函〔2022〕XX号"
    )
    assert f.standards == ("JGJ 125-2016", "GB 55021-2021", "GB 50010-2010(2015年版)")
    assert fields_of("一、房屋概况\nJGJ 125-2016").standards is None


def test_report_number_is_voted_over_cover_and_running_headers():
    f = fields_of(
        "报告编号：HDJC-JD-2022.0407\n房屋安全鉴定报告",
        "某公司 报告编号：HDJC-JD-2022-0407\n正文",
        "某公司 报告编号：HDJC-JD-2022-0407\n正文",
    )
    assert f.report_no == "HDJC-JD-2022-0407"
    assert (
        fields_of("鉴定编号：晋运鼎信鉴字〔2022〕第0344号").report_no
        == "晋运鼎信鉴字〔2022〕第0344号"
    )


def test_firm_from_a_label_a_cover_line_or_a_running_header():
    assert (
        fields_of("鉴定单位：运城市鼎信房屋安全鉴定中心有限公司（盖章）").firm
        == "运城市鼎信房屋安全鉴定中心有限公司"
    )
    assert (
        fields_of("自建房安全鉴定报告\n山西中条结构检测技术有限公司\n二〇二二年九月").firm
        == "山西中条结构检测技术有限公司"
    )
    assert fields_of("委托单位：盐湖区住房和城乡建设局").firm is None


def test_owner_from_the_overview_sentence_when_the_cover_has_none():
    assert fields_of("第一章 工程概况\n该房屋位于夏县，产权人为卢鹏红。").owner == "卢鹏红"


def test_county_from_the_address_else_from_the_building_code():
    assert find_county("山西省运城市新绛县阳王镇", None) == "新绛县"  # not 绛县
    assert find_county("运城市绛县卫庄镇", None) == "绛县"
    assert find_county("卫庄镇高卫头村", "140826-000178") == "绛县"
    assert find_county("及城县古魏镇中山路223号", None, ocr=True) == "芮城县"
    assert find_county("运城市某某县某镇", None) == "某某县"


def test_ocr_address_gets_the_county_the_building_code_confirms():
    assert repair_address("绛具卫庄镇高卫头村126号", "140826-000178") == "绛县卫庄镇高卫头村126号"
    assert repair_address("绛具卫庄镇高卫头村126号", "140802-000001") == "绛具卫庄镇高卫头村126号"


def test_structure_type_prefers_the_vocabulary():
    assert find_structure_type("为地上三层砖混结构房屋")[0] == "砖混结构"
    assert find_structure_type("为框架-剪力墙结构")[0] == "框架-剪力墙结构"
    assert find_structure_type("为砖泯结构房屋", ocr=True)[0] == "砖混结构"
    assert find_structure_type("为砖泯结构房屋") is None


def test_load_system_exactly_as_written():
    assert (
        fields_of("四、结构体系\n承载体系为木构架承重、土坯围护，木屋架坡屋面").load_system
        == "木构架承重、土坯围护"
    )
    assert (
        fields_of("1 工程概况\n承载体系 底部框架-上部砖混承重 现用途 餐饮").load_system
        == "底部框架-上部砖混承重"
    )
    assert (
        fields_of("四、结构体系\n该房屋为2层砖混结构，承载体系：纵墙承重。根据检测").load_system
        == "纵墙承重"
    )


def test_labels_are_not_read_from_prose():
    pairs = label_values([Line(1, "该房屋产权人为张三，结构形式为砖混结构。")], "overview")
    assert pairs == []
    pairs = label_values([Line(1, "房屋编号 140828-000014 产权人 张东新")], "overview")
    assert [(p.field, p.value) for p in pairs] == [
        ("building_no", "140828-000014"),
        ("owner", "张东新"),
    ]


def test_table_cells_pair_labels_with_values():
    rows = [
        TableRow(1, ("房屋编号", "140824-000295", "鉴定类别", "危险性鉴定")),
        TableRow(1, ("房屋地址", "山西省运城市稷山县\n太阳乡后刘家村107号", "", "")),
        TableRow(1, ("产 权 人", "宋东俊", "层数", "3")),
    ]
    pairs = table_label_values(rows)
    assert [(p.field, p.value) for p in pairs] == [
        ("building_no", "140824-000295"),
        ("appraisal_type", "危险性鉴定"),
        ("address", "山西省运城市稷山县太阳乡后刘家村107号"),
        ("owner", "宋东俊"),
        ("floors", "3"),
    ]
    f = fields_of("一、房屋基本信息\n正文", table_rows=rows)
    assert (f.owner, f.floors, f.building_no) == ("宋东俊", 3, "140824-000295")


def test_fields_round_trip_through_a_dict():
    f = fields_of(COVER, BODY)
    assert Fields.from_dict(f.to_dict()) == f
