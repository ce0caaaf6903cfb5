"""Drop cached firm capabilities when what they are made of changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from institutions.eligibility import forget_capabilities
from institutions.models import AppraisalFirm, Qualification


@receiver([post_save, post_delete], sender=Qualification)
def _qualification_changed(sender: Any, instance: Qualification, **kwargs: Any) -> None:
    forget_capabilities(instance.firm_id)


@receiver([post_save, post_delete], sender=AppraisalFirm)
def _firm_changed(sender: Any, instance: AppraisalFirm, **kwargs: Any) -> None:
    forget_capabilities(instance.pk)


@receiver(m2m_changed, sender=AppraisalFirm.counties.through)
def _counties_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_capabilities(instance.pk if isinstance(instance, AppraisalFirm) else None)
