"""Writes in policy: entering standards (dated, sourced, audited) and loading the shipped reference values."""
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel, level_of_code
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope
from jiuzhu.policy.models import ParameterValue
from jiuzhu.policy.parameters import NATIONAL, SPEC_BY_NAME, ParameterTypeError

REFERENCE_YAML = Path(__file__).resolve().parent / "data" / "reference.yaml"
STANDARD_SETTERS = {Role.COUNTY_BUREAU, Role.SYSTEM_ADMIN}


def _validate(*, region_code: str, name: str, value: Any, source_document: str) -> Any:
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        raise ValidationError({"name": _("Unknown parameter %(name)s.") % {"name": name}})
    if region_code != NATIONAL:
        try:
            level = level_of_code(region_code)
        except ValueError:
            raise ValidationError({"region_code": _("Unknown region code %(code)s.") % {"code": region_code}})
        if level == RegionLevel.VILLAGE:
            raise ValidationError({"region_code": _("Standards are set for a township or a larger region.")})
        if not Region.objects.filter(code=region_code).exists():
            raise ValidationError({"region_code": _("Unknown region code %(code)s.") % {"code": region_code}})
    if not (source_document or "").strip():
        raise ValidationError({"source_document": _("Name the document that set this value.")})
    try:
        return spec.parse(value)
    except ParameterTypeError as exc:
        raise ValidationError({"value": str(exc)})


@transaction.atomic
def parameter_set(*, actor, region_code: str, name: str, effective_from: date, value: Any,
                  source_document: str, note: str = "") -> ParameterValue:
    """Enter a standard for a region from a date. A new date adds a row (past values stay); the same date
    corrects that row. Only a county bureau (for its own subtree) or a system administrator may do it; the
    change history records who did what."""
    if actor is not None:
        roles = set(roles_of(actor))
        if not roles & STANDARD_SETTERS:
            raise PermissionDenied(_("Only a county civil affairs bureau may set standards."))
        if Role.SYSTEM_ADMIN not in roles and (region_code == NATIONAL or not region_in_scope(user=actor, code=region_code)):
            raise PermissionDenied(_("You may set standards only for your own region."))
    parsed = _validate(region_code=region_code, name=name, value=value, source_document=source_document)
    stored = SPEC_BY_NAME[name].dump(parsed)
    obj = ParameterValue.objects.filter(region_code=region_code, name=name, effective_from=effective_from).first()
    if obj and obj.value == stored and obj.source_document == source_document and obj.note == note:
        return obj  # nothing to change: idempotent
    if obj is None:
        obj = ParameterValue(region_code=region_code, name=name, effective_from=effective_from, created_by=actor)
    obj.value, obj.source_document, obj.note = stored, source_document, note
    obj._history_user = actor
    obj.save()
    return obj


@dataclass
class ReferenceLoadResult:
    created: int
    updated: int
    unchanged: int


def reference_rows(*, path: Path = REFERENCE_YAML) -> list[dict]:
    """The shipped reference standards as rows (region_code, name, effective_from, value, source_document,
    note)."""
    rows = []
    for region in yaml.safe_load(path.read_text(encoding="utf-8")):
        for entry in region["entries"]:
            for name, value in entry["values"].items():
                rows.append({"region_code": str(region["region"]), "name": name, "effective_from": entry["from"],
                             "value": value, "source_document": entry["source"], "note": entry.get("note", "")})
    return rows


@transaction.atomic
def reference_load(*, path: Path = REFERENCE_YAML) -> ReferenceLoadResult:
    """Load the shipped reference standards (RULES.md's table); safe to re-run."""
    created = updated = unchanged = 0
    for row in reference_rows(path=path):
        before = ParameterValue.objects.filter(
            region_code=row["region_code"], name=row["name"], effective_from=row["effective_from"]).first()
        before_state = (before.value, before.source_document, before.note) if before else None
        obj = parameter_set(actor=None, region_code=row["region_code"], name=row["name"],
                            effective_from=row["effective_from"], value=row["value"],
                            source_document=row["source_document"], note=row["note"])
        if before is None:
            created += 1
        elif before_state != (obj.value, obj.source_document, obj.note):
            updated += 1
        else:
            unchanged += 1
    return ReferenceLoadResult(created, updated, unchanged)
