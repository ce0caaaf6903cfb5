"""Vocabularies the pipeline matches against: data, not logic.

A firm with a new wording is usually one more phrase here. Phrases are matched after
normalisation (no letter-spacing, no doubled characters, half-width digits and letters).
"""

from __future__ import annotations

# Canonical sections ---------------------------------------------------------------------------
# key -> heading phrases. A heading's title (numbering and decoration stripped) maps to the key of
# the phrase that occurs earliest in it (longest phrase on a tie), so "抗震鉴定结论" is seismic and
# "鉴定结论及处理建议" is conclusion + recommendation (see COMBINABLE).
SECTION_PHRASES: dict[str, tuple[str, ...]] = {
    "overview": (
        "房屋概况",
        "工程概况",
        "项目概况",
        "建筑概况",
        "房屋基本情况",
        "基本情况",
        "工程概述",
        "房屋概述",
        "基本信息",
        "概况",
    ),
    "scope": (
        "鉴定目的",
        "鉴定范围",
        "检测目的",
        "委托事项",
        "评估目的",
        "评估范围",
    ),
    "basis": (
        "鉴定依据",
        "检测依据",
        "评估依据",
        "检测鉴定依据",
        "鉴定检测依据",
        "编制依据",
        "主要依据",
        "依据标准",
        "依据",
    ),
    "inspection": (
        "现场检查",
        "现场检测",
        "现场查勘",
        "现场调查",
        "检查情况",
        "检测情况",
        "查勘情况",
        "检测鉴定内容",
        "鉴定内容",
        "检测内容",
        "调查与检测",
        "检查与检测",
        "检测结果",
        "检查结果",
        "损坏情况",
        "房屋现状",
        "现状调查",
        "完损状况",
    ),
    "structure": (
        "结构体系",
        "承重体系",
        "承载体系",
        "承载能力",
        "承载力验算",
        "结构验算",
        "结构分析",
        "结构计算",
        "验算分析",
    ),
    "seismic": (
        "抗震性能评价",
        "抗震性能",
        "抗震鉴定",
        "抗震构造措施核查",
        "抗震措施核查",
        "抗震构造",
        "抗震评价",
        "抗震能力",
        "抗震验算",
        "抗震评估",
        "抗震分析",
    ),
    "conclusion": (
        "鉴定结论",
        "评定结果",
        "鉴定意见",
        "鉴定结果",
        "评估结论",
        "评估结果",
        "检测结论",
        "综合评定",
        "危险性评定",
        "安全性评定",
        "等级评定",
        "结论",
    ),
    "recommendation": (
        "处理建议",
        "处理意见",
        "处理措施",
        "鉴定建议",
        "整改建议",
        "整改意见",
        "维修建议",
        "加固建议",
        "使用建议",
        "建议",
    ),
    "appendix": (
        "附件",
        "附录",
        "附图",
        "附表",
        "现场照片",
        "现场检测照片",
        "检测照片",
    ),
    # Not content sections, but headings that end the section before them.
    "declaration": ("声明", "说明", "注意事项"),
    "contents": ("目录", "目次"),
    "signoff": ("报告签发", "签发", "签字页", "签章"),
}

# The eight content sections of the brief (DOMAIN §7); the others only delimit.
CONTENT_SECTIONS = (
    "overview",
    "basis",
    "inspection",
    "structure",
    "seismic",
    "conclusion",
    "recommendation",
    "appendix",
)

# Keys that may share one heading, e.g. 「鉴定结论及处理建议」 (Wuhan style).
COMBINABLE = frozenset({("conclusion", "recommendation"), ("overview", "scope")})

# Cover / table labels -------------------------------------------------------------------------
# field -> labels. Labels are found at a line start or after whitespace and must be followed by a
# colon, whitespace or the end of the line (so 「产权人为张三」 is prose, not a label).
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "report_no": ("报告编号", "鉴定编号", "鉴定报告编号", "检测编号", "报告号", "编号"),
    "appraisal_type": ("鉴定类别", "鉴定类型", "评估类别", "评估类型", "鉴定种类"),
    "firm": (
        "鉴定机构",
        "鉴定单位",
        "检测机构",
        "检测单位",
        "评估机构",
        "评估单位",
        "出具单位",
        "编制单位",
    ),
    "address": ("房屋地址", "房屋坐落", "房屋座落", "房屋位置", "坐落位置", "坐落", "地址"),
    "owner": ("产权人", "房屋产权人", "产权单位", "房屋所有人", "所有权人", "业主", "户主"),
    "building_no": ("房屋编号", "自建房编号", "排查编号", "房屋代码", "房屋编码"),
    "structure_type": ("结构类型", "结构形式", "结构型式"),
    "floors": ("层数", "地上层数", "房屋层数", "建筑层数"),
    "load_system": ("承载体系", "承重体系", "承重方式", "承重结构体系"),
    # Dates, best first: the report date, not the site visit.
    "date_report": ("报告日期", "出具日期", "签发日期", "批准日期", "报告出具日期"),
    "date_appraisal": ("鉴定日期", "评估日期", "鉴定完成日期"),
    "date_plain": ("日期",),
    # Labels we do not report but must recognise, so their values are not taken for others'.
    "date_site": (
        "现场检测日期",
        "现场查勘日期",
        "检测日期",
        "查勘日期",
        "勘察日期",
        "委托日期",
        "受理日期",
        "现场检测时间",
    ),
    "other": (
        "委托单位",
        "委托方",
        "委托人",
        "工程名称",
        "项目名称",
        "房屋名称",
        "建造年代",
        "建成年代",
        "建成时间",
        "建筑面积(㎡)",
        "建筑面积",
        "基础形式",
        "基础类型",
        "楼(屋)盖",
        "楼（屋）盖",
        "屋盖形式",
        "现用途",
        "设计用途",
        "用途",
        "是否经营性",
        "改扩建情况",
        "是否改扩建",
        "联系电话",
        "联系人",
        "使用人",
        "鉴定人",
        "鉴定人员",
        "审核人",
        "审核",
        "批准人",
        "批准",
        "项目负责人",
        "抗震设防烈度",
        "设计基本地震加速度",
        "设计地震分组",
        "场地类别",
        "抗震设防类别",
        "后续使用年限",
    ),
}

# Values -----------------------------------------------------------------------------------------
# Yuncheng's counties with their GB/T 2260 codes (the first six digits of a 房屋编号).
COUNTIES: dict[str, str] = {
    "140802": "盐湖区",
    "140821": "临猗县",
    "140822": "万荣县",
    "140823": "闻喜县",
    "140824": "稷山县",
    "140825": "新绛县",
    "140826": "绛县",
    "140827": "垣曲县",
    "140828": "夏县",
    "140829": "平陆县",
    "140830": "芮城县",
    "140881": "永济市",
    "140882": "河津市",
}

# Prefixes of an address above county level, removed before looking for an unknown county.
ADDRESS_PREFIXES = ("山西省", "运城市")

STRUCTURE_TYPES = (
    "底部框架-抗震墙砌体结构",
    "框架-剪力墙结构",
    "框架剪力墙结构",
    "钢筋混凝土框架结构",
    "钢筋混凝土结构",
    "剪力墙结构",
    "框架结构",
    "框剪结构",
    "砖混结构",
    "砖木结构",
    "土木结构",
    "石木结构",
    "混合结构",
    "砌体结构",
    "轻钢结构",
    "钢结构",
    "木结构",
    "窑洞",
)

APPRAISAL_TYPES = {"危险": "危险性鉴定", "评估": "安全评估"}

# Words of a firm's name: a line ending in one of these is a firm name candidate.
FIRM_SUFFIXES = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "公司",
    "鉴定中心",
    "检测中心",
    "研究院",
    "研究所",
    "检测站",
    "鉴定站",
    "鉴定所",
)

CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
