"""The standards a report can cite: titles, validity periods and code normalisation.

Validity dates follow /work/shared/DOMAIN.md §2; the ones marked [K] there are best knowledge and
only steer which edition a *generated* report cites, nothing here validates real reports.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

D = dt.date


@dataclass(frozen=True)
class Standard:
    code: str  # normalised: one space after the prefix, half-width brackets
    title: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # first day on which the edition is no longer current

    def current_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day >= self.valid_to)


CATALOGUE: dict[str, Standard] = {
    s.code: s
    for s in (
        Standard("JGJ 125-2016", "危险房屋鉴定标准", D(2016, 12, 1)),
        Standard("JGJ 125-99", "危险房屋鉴定标准", D(2000, 3, 1), D(2016, 12, 1)),
        Standard("JGJ 125-99(2004年版)", "危险房屋鉴定标准", D(2004, 7, 1), D(2016, 12, 1)),
        Standard("GB 50292-2015", "民用建筑可靠性鉴定标准", D(2016, 8, 1)),
        Standard("GB 50292-1999", "民用建筑可靠性鉴定标准", D(1999, 10, 1), D(2016, 8, 1)),
        Standard("GB 55021-2021", "既有建筑鉴定与加固通用规范", D(2022, 4, 1)),
        Standard("GB 50023-2009", "建筑抗震鉴定标准", D(2009, 7, 1)),
        Standard("GB 50023-95", "建筑抗震鉴定标准", D(1996, 6, 1), D(2009, 7, 1)),
        Standard("GB 50011-2010(2016年版)", "建筑抗震设计规范", D(2016, 8, 1), D(2024, 8, 1)),
        Standard("GB/T 50011-2010(2024年版)", "建筑抗震设计标准", D(2024, 8, 1)),
        Standard("GB 50011-2001", "建筑抗震设计规范", D(2002, 1, 1), D(2010, 12, 1)),
        Standard("GB 55002-2021", "建筑与市政工程抗震通用规范", D(2022, 1, 1)),
        Standard("GB 18306-2015", "中国地震动参数区划图", D(2016, 6, 1)),
        Standard("GB/T 50344-2019", "建筑结构检测技术标准", D(2020, 6, 1)),
        Standard("GB/T 50344-2004", "建筑结构检测技术标准", D(2004, 12, 1), D(2020, 6, 1)),
        Standard("JGJ 8-2016", "建筑变形测量规范", D(2016, 12, 1)),
        Standard("GB 50007-2011", "建筑地基基础设计规范", D(2012, 8, 1)),
        Standard("GB 50009-2012", "建筑结构荷载规范", D(2012, 10, 1)),
        Standard("GB 50003-2011", "砌体结构设计规范", D(2012, 8, 1)),
        Standard("GB/T 50315-2011", "砌体工程现场检测技术标准", D(2012, 3, 1)),
        Standard("JGJ/T 136-2017", "贯入法检测砌筑砂浆抗压强度技术规程", D(2018, 6, 1)),
        Standard("JGJ/T 23-2011", "回弹法检测混凝土抗压强度技术规程", D(2011, 12, 1)),
        Standard("GB 50010-2010(2015年版)", "混凝土结构设计规范", D(2016, 1, 1), D(2024, 8, 1)),
        Standard("GB/T 50010-2010(2024年版)", "混凝土结构设计标准", D(2024, 8, 1)),
        Standard("GB 50017-2017", "钢结构设计标准", D(2018, 7, 1)),
        Standard("GB 50005-2017", "木结构设计标准", D(2018, 8, 1)),
    )
}

_PREFIX = re.compile(r"^(GB/T|GBJ|GB|JGJ/T|JGJ|CJJ/T|CJJ|CJ|CECS|DBJ|DB\d*/T|DB\d*)\s*(.+)$", re.I)


def normalise_code(text: str) -> str:
    """`GB50011-2010（2016年版）` → `GB 50011-2010(2016年版)`: one space after the prefix, ASCII brackets."""
    s = text.strip().replace("（", "(").replace("）", ")").replace("／", "/")
    s = re.sub(r"\s+", "", s)
    m = _PREFIX.match(s)
    if not m:
        return s
    return f"{m.group(1).upper()} {m.group(2)}"


def title_of(code: str) -> str | None:
    std = CATALOGUE.get(normalise_code(code))
    return std.title if std else None


def _edition(prefix: str, day: dt.date) -> str | None:
    """The edition of a code family (`GB 50011`, `GB/T 50011`, …) current on `day`."""
    for std in CATALOGUE.values():
        family = std.code.split("-")[0].replace("GB/T ", "GB ")
        if family == prefix.replace("GB/T ", "GB ") and std.current_on(day):
            return std.code
    return None


def current_standards(
    rng: random.Random, day: dt.date, appraisal_type: str, structure_type: str
) -> list[str]:
    """A realistic 鉴定依据 list (normalised codes, list order) current on `day`."""
    masonry = structure_type in {"砖混结构", "砖木结构", "混合结构"}
    concrete = structure_type in {"框架结构", "混合结构"}
    wood = structure_type in {"砖木结构", "土木结构"}
    steel = structure_type == "钢结构"
    picks: list[tuple[str, float]] = []
    if appraisal_type == "安全评估" and rng.random() < 0.6:
        picks += [("GB 50292", 1.0), ("JGJ 125", 0.8)]
    else:
        picks += [("JGJ 125", 1.0), ("GB 50292", 0.3)]
    picks += [
        ("GB 55021", 0.8),
        ("GB 50023", 0.9),
        ("GB 50011", 0.5),
        ("GB 18306", 0.12),
        ("GB 50344", 0.6),
        ("JGJ 8", 0.12),
        ("GB 50007", 0.4),
        ("GB 50009", 0.5),
    ]
    if masonry:
        picks += [("GB 50003", 0.7), ("GB 50315", 0.5), ("JGJ/T 136", 0.12)]
    if concrete:
        picks += [("GB 50010", 0.5), ("JGJ/T 23", 0.5)]
    if wood:
        picks += [("GB 50005", 0.4)]
        if structure_type == "砖木结构":
            picks += [("GB 50003", 0.4)]
    if steel:
        picks += [("GB 50017", 0.8)]
    out: list[str] = []
    for family, p in picks:
        if rng.random() >= p:
            continue
        code = _edition(family, day)
        if code and code not in out:
            out.append(code)
    if not any(c.startswith("JGJ 125") for c in out):
        code = _edition("JGJ 125", day)
        if code:
            out.insert(0, code)
    return out


NON_CODE_ITEMS = (
    "委托方提供的委托书及相关资料",
    "房屋安全鉴定委托书",
    "现场查勘、检测数据及照片",
    "现场检测数据",
    "产权人提供的房屋相关资料",
    "《运城市自建房安全专项整治工作实施方案》",
    "《山西省自建房安全专项整治工作方案》",
    "《城市危险房屋管理规定》（建设部令第129号）",
    "《自建房结构安全排查技术要点（暂行）》",
)


def format_code(code: str, style: str) -> str:
    """Print a normalised code the way firms write it.

    styles: `plain` (GB 50011-2010(2016年版)), `nospace` (GB50023-2009), `fullwidth`
    (GB 50011-2010（2016年版）), `nospace_fullwidth`.
    """
    s = code
    if "nospace" in style:
        s = s.replace(" ", "")
    if "fullwidth" in style:
        s = s.replace("(", "（").replace(")", "）")
    return s


def format_basis_item(code: str, code_style: str, item_style: str) -> str:
    """One 鉴定依据 entry: `《title》code`, `《title》（code）`, `code《title》` or the bare code."""
    c = format_code(code, code_style)
    title = title_of(code)
    if not title or item_style == "bare":
        return c
    if item_style == "title_paren":
        return f"《{title}》（{c}）"
    if item_style == "code_title":
        return f"{c}《{title}》"
    return f"《{title}》{c}"
