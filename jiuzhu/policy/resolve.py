"""Which parameter value applies in a region on a date, and where it came from.

The most specific region wins (village → township → county → prefecture → province → national), and within
a region the latest value whose effective date is not after the as-of date. Where no region has a value, the
national default of RULES.md applies; a parameter with neither is an error naming it.
"""
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from jiuzhu.core.regions import ancestor_codes
from jiuzhu.policy.errors import MESSAGES, PolicyErrorCode, PolicyInputError
from jiuzhu.policy.parameters import NATIONAL, SPEC_BY_NAME, SPECS, flat_columns


@dataclass(frozen=True)
class Resolved:
    name: str
    value: Any
    region_code: str          # where the value was set ("" for a RULES.md default)
    effective_from: date | None
    source_document: str

    def as_dict(self) -> dict:
        from jiuzhu.policy.parameters import SPEC_BY_NAME

        spec = SPEC_BY_NAME[self.name]
        return {"name": self.name, "label": str(spec.label), "value": spec.dump(self.value),
                "region_code": self.region_code, "effective_from": self.effective_from,
                "source_document": self.source_document}


class ParameterBook:
    """All stored parameter values, loaded once, resolved many times (the batch resolves thousands)."""

    def __init__(self, rows: Iterable[tuple[str, str, date, Any, str]]):
        self._by_key: dict[tuple[str, str], list[tuple[date, Any, str]]] = {}
        for region_code, name, effective_from, value, source in rows:
            self._by_key.setdefault((region_code, name), []).append((effective_from, value, source))
        for values in self._by_key.values():
            values.sort(key=lambda v: v[0], reverse=True)
        self.region_codes_with_values = {code for code, _ in self._by_key}
        self._parsed: dict[tuple, Resolved] = {}

    @classmethod
    def from_database(cls, overrides: list[dict] | None = None) -> "ParameterBook":
        """The stored values, plus optional what-if overrides (dicts of region_code, name, effective_from,
        value, source_document) that take precedence on their dates."""
        from jiuzhu.policy.models import ParameterValue

        rows = list(ParameterValue.objects.values_list("region_code", "name", "effective_from", "value",
                                                       "source_document"))
        for o in overrides or []:
            rows = [r for r in rows if not (r[0] == o["region_code"] and r[1] == o["name"]
                                            and r[2] == o["effective_from"])]
            rows.append((o["region_code"], o["name"], o["effective_from"], o["value"],
                         o.get("source_document", "what-if")))
        return cls(rows)

    def resolve(self, *, region_code: str, as_of: date) -> dict[str, Resolved]:
        try:
            chain = [region_code] + list(reversed(ancestor_codes(region_code))) + [NATIONAL]
        except ValueError:
            raise PolicyInputError(PolicyErrorCode.UNKNOWN_REGION, "region_code", MESSAGES["unknown_region"],
                                   value=region_code) from None
        out = {}
        for spec in SPECS:
            out[spec.name] = self._resolve_one(spec, chain, region_code, as_of)
        return out

    def resolve_values(self, *, region_code: str, as_of: date, names: tuple[str, ...]) -> dict[str, Any]:
        """Only the named parameters' values, None where no value is in force and there is no default (for
        readers such as the monitoring indicators, which skip what they cannot judge instead of failing)."""
        chain = [region_code] + list(reversed(ancestor_codes(region_code))) + [NATIONAL]
        out = {}
        for name in names:
            try:
                out[name] = self._resolve_one(SPEC_BY_NAME[name], chain, region_code, as_of).value
            except PolicyInputError:
                out[name] = None
        return out

    def _resolve_one(self, spec, chain, region_code, as_of) -> Resolved:
        for code in chain:
            for effective_from, value, source in self._by_key.get((code, spec.name), ()):
                if effective_from <= as_of:
                    key = (code, spec.name, effective_from)
                    resolved = self._parsed.get(key)
                    if resolved is None:
                        # Parsed once per stored value: a national batch resolves thousands of regions.
                        resolved = self._parsed[key] = Resolved(spec.name, spec.parse(value), code, effective_from,
                                                                source)
                    return resolved
        if spec.default is not None:
            return Resolved(spec.name, spec.default, "", None, "RULES.md (national default)")
        raise PolicyInputError(PolicyErrorCode.NO_STANDARD, "region_code", MESSAGES["no_standard"],
                               parameter=spec.name, region=region_code, as_of=as_of.isoformat())


def _arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, date):
        return pa.date32()
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    return pa.string()


def params_table(book: ParameterBook, *, param_keys: Iterable[str], as_of: date) -> pa.Table:
    """One row per param key (a 9-digit township prefix) with the flattened parameter columns, and the
    parameter set it belongs to (`param_set`; `param_set_first` marks one row per set).

    A resolution depends only on which regions of the key's chain have values of their own, so a national
    population (~40,000 township keys, ~3,000 counties, a few dozen such chains) resolves a few dozen times;
    keys whose flattened values are equal share one parameter set (a dozen or so nationally), which the
    pipeline joins through a small integer instead of carrying the whole row through its household joins."""
    deep = book.region_codes_with_values
    keys = sorted(set(param_keys))
    if not keys:
        raise PolicyInputError(PolicyErrorCode.MISSING_FIELD, "population", MESSAGES["missing_field"])
    by_chain: dict[tuple, int] = {}      # regions with values along the chain → parameter set
    by_anchor: dict[str, int] = {}
    set_rows: dict[tuple, int] = {}      # flattened values → parameter set
    rows: list[dict] = []

    def set_of(anchor: str) -> int:
        try:
            chain = tuple(c for c in [anchor, *reversed(ancestor_codes(anchor))] if c in deep)
        except ValueError:
            chain = None  # an unknown region: resolve() names it
        index = by_chain.get(chain) if chain is not None else None
        if index is None:
            resolved = book.resolve(region_code=anchor, as_of=as_of)
            row = {"as_of": as_of, **flat_columns({n: r.value for n, r in resolved.items()})}
            index = set_rows.setdefault(tuple(row.items()), len(rows))
            if index == len(rows):
                rows.append(row)
            if chain is not None:
                by_chain[chain] = index
        by_anchor[anchor] = index
        return index

    # Values are set at township level at the deepest (parameter_set refuses villages); a township without
    # values of its own is resolved as its county.
    indices = []
    for key in keys:
        township = key.ljust(12, "0")
        anchor = township if township in deep else key[:6].ljust(12, "0")
        index = by_anchor.get(anchor)
        indices.append(set_of(anchor) if index is None else index)
    sets = pa.array(indices, type=pa.int64())
    first = np.zeros(len(keys), dtype=bool)
    first[np.unique(np.asarray(indices), return_index=True)[1]] = True
    # Resolved once per chain, then repeated by index.
    table = _rows_to_table(rows).take(sets)
    table = table.add_column(0, "param_set_first", pa.array(first, type=pa.bool_()))
    table = table.add_column(0, "param_set", sets)
    return table.add_column(0, "param_key", pa.array(keys, type=pa.string()))


def params_table_from_resolved(resolved: dict[str, Resolved], *, param_key: str, as_of: date) -> pa.Table:
    """The one-row parameter table of a single evaluation."""
    row = {"param_key": param_key, "param_set": 0, "param_set_first": True, "as_of": as_of,
           **flat_columns({n: r.value for n, r in resolved.items()})}
    return _rows_to_table([row])


def _rows_to_table(rows: list[dict]) -> pa.Table:
    fields = [pa.field(name, _arrow_type(value)) for name, value in rows[0].items()]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))
