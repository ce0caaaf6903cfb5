"""Data the benchmarks share: open tasks in one county and the qualified firms claiming them."""

from __future__ import annotations

from typing import Any

COUNTY = "140802"
JUDGEMENTS = ("初判存疑", "存在严重安全隐患", "存在一定安全隐患")


def claim_fixture(tasks: int, claimers: int, judgements: tuple[str, ...] = JUDGEMENTS) -> list[str]:
    """`tasks` buildings (BENCH-…) in one county, tasks made for them by the real bulk path,
    and `claimers` qualified firms serving the county, one member each: their usernames."""
    from buildings.models import Building, County
    from institutions.models import AppraisalFirm
    from portal.models import User
    from portal.roles import Role
    from reports.assignments import tasks_create_bulk

    county = County.objects.get(code=COUNTY)
    Building.objects.bulk_create(
        (
            Building(
                building_no=f"BENCH-{i:06d}",
                county=county,
                address=f"基准测试地址{i}",
                structure_type="砖混结构",
                floors=1 + i % 5,
                initial_judgement=judgements[i % len(judgements)],
                is_business=i % 3 == 0,
                alteration=["否", "加建"][i % 2],
            )
            for i in range(tasks)
        ),
        batch_size=2000,
    )
    tasks_create_bulk(
        buildings=Building.objects.filter(building_no__startswith="BENCH-"), actor=None
    )
    names = []
    for i in range(claimers):
        firm, _ = AppraisalFirm.objects.get_or_create(
            name=f"基准测试机构{i}", defaults={"credit_code": credit_code(i)}
        )
        AppraisalFirm.objects.filter(pk=firm.pk).update(max_open_tasks=tasks)
        firm.counties.add(county)
        qualify(firm, f"BENCH-{i}")
        User.objects.get_or_create(username=f"bench{i}", defaults={"role": Role.FIRM, "firm": firm})
        names.append(f"bench{i}")
    return names


def qualify(firm: Any, certificate_no: str) -> None:
    """A testing qualification valid for the whole campaign."""
    import datetime as dt

    from institutions.models import Qualification

    Qualification.objects.get_or_create(
        kind="testing",
        certificate_no=certificate_no,
        defaults={
            "firm": firm,
            "issuer": "bench",
            "valid_from": dt.date(2020, 1, 1),
            "valid_to": dt.date(2099, 1, 1),
            "scopes": ["主体结构"],
        },
    )


def credit_code(i: int) -> str:
    """A valid unified social credit code, different for each i."""
    from institutions.credit_code import check_character

    body = f"91140802MA0B{i:05d}"
    return body + check_character(body)
