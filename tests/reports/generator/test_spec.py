from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from reports.generator import random_spec
from reports.generator.contract import spec_problems
from reports.generator.spec import COUNTIES, RECOMMENDATIONS, STRUCTURES
from reports.generator.standards import CATALOGUE


@pytest.fixture(scope="module")
def specs():
    return [random_spec(random.Random(seed)) for seed in range(300)]


def test_random_specs_are_clean_and_self_consistent(specs) -> None:
    for spec in specs:
        code = COUNTIES[spec.county]
        assert spec.building_no.startswith(f"{code}-") and len(spec.building_no) == 13
        bare = spec.address.removeprefix("山西省运城市").removeprefix("运城市")
        assert bare.startswith(spec.county)
        assert spec.inspection_date < spec.date
        assert spec.grade in {"A", "B", "C", "D"}
        assert spec.recommendation in RECOMMENDATIONS[spec.grade]
        _, (lo, hi), systems = STRUCTURES[spec.structure_type]
        assert lo <= spec.floors <= hi
        assert spec.load_system in systems
        assert spec.seismic_conclusion in {"满足", "不满足", "局部不满足"}
        assert str(spec.date.year) in spec.report_no
        assert spec.appraisal_type in {"危险性鉴定", "安全评估"}
        assert spec.standards and any(s.startswith("JGJ 125") for s in spec.standards)
        assert len(set(spec.standards)) == len(spec.standards)
        for code in spec.standards:
            assert CATALOGUE[code].current_on(spec.date), (code, spec.date)
        assert spec_problems(spec) == []


def test_random_specs_cover_the_city_and_the_grades(specs) -> None:
    assert set(COUNTIES) == {s.county for s in specs}
    grades = Counter(s.grade for s in specs)
    assert all(grades[g] >= 20 for g in "ABCD")
    assert Counter(s.seismic_intensity for s in specs)["8度"] > 0.8 * len(specs)
    assert {s.address[:6] == "山西省运城市" for s in specs} == {True, False}


def test_d_grade_says_stop_or_demolish_and_c_d_never_say_normal_use(specs) -> None:
    for spec in specs:
        if spec.grade == "D":
            assert "停止使用" in spec.recommendation or "拆除" in spec.recommendation
        if spec.grade in {"C", "D"}:
            assert "可正常使用" not in spec.recommendation


def test_overrides_are_honoured_and_the_rest_agrees() -> None:
    spec = random_spec(random.Random(1), county="绛县", grade="D", date=dt.date(2024, 9, 2))
    assert spec.building_no.startswith("140826-")
    assert "绛县" in spec.address
    assert spec.grade == "D" and spec.recommendation in RECOMMENDATIONS["D"]
    assert spec.date == dt.date(2024, 9, 2) and spec.inspection_date < spec.date
    assert "GB 50011-2010(2016年版)" not in spec.standards  # superseded by then
    assert (
        random_spec(random.Random(1), extra_pages=3, floors_in_structure_section=2).extra_pages == 3
    )


def test_unknown_override_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        random_spec(random.Random(1), colour="red")


def test_random_spec_is_deterministic() -> None:
    assert random_spec(random.Random(5)) == random_spec(random.Random(5))
