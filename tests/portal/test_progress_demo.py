"""The progress demo seed walks buildings through the real control services, once."""

from __future__ import annotations

import pytest

from buildings.models import Building, ControlMeasure, Judgement, Rectification
from portal.demo_progress import seed_demo
from portal.progress import progress_for
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_control_and_rectification_stages(personas):
    for n in range(40):
        BuildingFactory(building_no=f"140802-{n:06d}", initial_judgement=Judgement.SERIOUS)
    added = seed_demo(bureau=personas.city_bureau)
    assert added["measures"] == ControlMeasure.objects.count() > 0
    assert added["plans"] == Rectification.objects.count() > 0
    assert added["lifted"] == Building.objects.exclude(measures__lifted_at=None).distinct().count()
    p = progress_for(personas.city_bureau)
    assert p.total.controlled > 0 and p.total.rectified == added["completed"]
    assert p.total.uncontrolled == 40 - added["measures"]
    again = seed_demo(bureau=personas.city_bureau)
    assert set(again.values()) == {0}
