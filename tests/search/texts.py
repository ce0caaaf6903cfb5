"""Generated report bodies: the spec from reports.generator (random_spec), the body text here,
with the boilerplate real reports share (standards list, disclaimers, JGJ grade definitions,
a firm's template sentences) and the facts they don't (members, locations, widths, strengths)."""

from __future__ import annotations

import random

from reports.generator.spec import random_spec

GRADE_DEFINITIONS = {
    "A": "无危险构件，房屋结构能满足安全使用要求",
    "B": "个别结构构件评定为危险构件，但不影响主体结构安全，基本能满足安全使用要求",
    "C": "部分承重结构不能满足安全使用要求，房屋局部处于危险状态，构成局部危房",
    "D": "承重结构已不能满足安全使用要求，房屋整体处于危险状态，构成整幢危房",
}
MEMBERS = ("墙体", "楼板", "屋面板", "过梁", "挑梁", "圈梁", "构造柱")
DANGER = (
    "斜裂缝，最大宽度{w}mm，贯通墙厚",
    "水平裂缝，最大宽度{w}mm",
    "板底露筋锈胀，混凝土剥落",
    "挠度明显，板缝开裂渗水",
)
SOUND = ("未见明显损伤", "细微裂缝，宽度约0.{k}mm", "表面粉刷层局部空鼓", "局部轻微渗水痕迹")
TEMPLATE = (
    "经现场查勘，未发现明显的不均匀沉降，散水局部与墙体脱开，地基基础基本稳定。",
    "经现场查勘，局部散水下沉，墙脚处可见少量沉降裂缝，地基基础总体尚稳定。",
)
EXTRA_RECS = (
    "对开裂墙体采用压力灌浆进行修补。",
    "使用过程中不得增加使用荷载，不得擅自加层。",
    "危险部位应设置警示标识。",
)
DISCLAIMERS = "本报告仅对委托鉴定的房屋当时的状况负责。本报告涂改无效，未加盖鉴定专用章无效。"


def generated_sections(rng: random.Random, **spec_overrides) -> list[dict[str, str]]:
    spec = random_spec(rng, **spec_overrides)
    lines = []
    for i in range(1, rng.randint(8, 14)):
        floor = rng.randint(1, max(1, spec.floors))
        axis = f"{'ABCD'[rng.randrange(4)]}轴/{rng.randint(1, 6)}～{rng.randint(7, 9)}轴"
        finding = rng.choice(DANGER if rng.random() < 0.35 else SOUND)
        finding = finding.format(
            w=rng.choice(("1.5", "2.0", "2.5", "3.0", "4.5", "6.0")), k=rng.randint(1, 3)
        )
        lines.append(f"{i}、{floor}层{axis}{rng.choice(MEMBERS)}：{finding}。")
    material = (
        f"采用回弹法检测砌筑砂浆强度，推定值约为M{rng.choice(('1.0', '2.5', '5.0'))}；"
        f"烧结普通砖强度等级推定为MU{rng.choice(('7.5', '10'))}；整体倾斜率{rng.uniform(0.2, 2.6):.2f}%。"
    )
    grade = spec.grade or "B"
    return [
        {"key": "overview", "text": f"{spec.address}，{spec.owner}自建房，{spec.floors}层{spec.structure_type}，"
                                    f"建于{rng.randint(1978, 2015)}年，建筑面积{rng.uniform(60, 400):.1f}平方米。"},
        {"key": "basis", "text": "；".join(f"《标准》{s}" for s in spec.standards)},
        {"key": "inspection", "text": rng.choice(TEMPLATE) + "".join(lines) + material},
        {"key": "conclusion", "text": f"依据《危险房屋鉴定标准》JGJ 125-2016，该房屋危险性等级评定为{grade}级，"
                                      f"{GRADE_DEFINITIONS[grade]}。"},
        {"key": "recommendation", "text": (spec.recommendation or "") + "。" + "".join(rng.sample(EXTRA_RECS, 2))},
        {"key": "declaration", "text": DISCLAIMERS},
    ]  # fmt: skip
