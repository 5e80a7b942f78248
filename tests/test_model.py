"""The model is the single source of truth: shipped schemas, templates and docs are derived from it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import model
from generator.load import record_files
from generator.model import KINDS, json_schema, validate

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_equals_the_model(kind):
    shipped = json.loads((PROJECT / "templates" / "schema" / f"{kind}.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(KINDS[kind]), "run: huifang schema  (templates/schema is stale)"


@pytest.mark.parametrize("kind", KINDS)
def test_template_has_schema_modeline_and_only_known_keys(kind):
    text = (PROJECT / "templates" / "records" / f"{kind}.yml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../schema/{kind}.json"
    data = yaml.safe_load(text)
    assert set(data) <= set(KINDS[kind].by_name)


def _jsonable(v):
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def test_demo_records_validate_against_the_shipped_schemas():
    """The same records pass both the loader's validation and the JSON Schema editors use."""
    files = record_files(PROJECT)
    if not files:
        pytest.skip("no demo records")
    for rel in files:
        kind = model.BY_FOLDER[rel.split("/")[1]]
        data = yaml.safe_load((PROJECT / rel).read_text(encoding="utf-8"))
        _, problems, _ = validate(kind, data)
        assert [p for p in problems if p.severity == "error"] == [], rel
        jsonschema.validate(_jsonable(data), json_schema(kind))


def test_enum_error_suggests_the_nearest_value():
    _, problems, _ = validate(KINDS["visit"], {"method": "电活"})
    msg = next(p.message for p in problems if p.path == ("method",))
    assert "电话" in msg and "是不是" in msg


def test_field_reference_lists_every_field():
    ref = model.field_reference()
    for kind in KINDS.values():
        for f in kind.fields:
            assert f"`{f.name}`" in ref
    assert "（扩展字段）" in ref  # fields added beyond RECORDS.md are marked


def test_contract_fields_are_all_in_the_model():
    """Every field of the record format contract is in the model (the format may be extended, never dropped)."""
    contract = yaml.safe_load((PROJECT / "tests" / "fixtures" / "contract.yml").read_text(encoding="utf-8"))
    assert set(k.split(".")[0] for k in contract) <= set(KINDS)
    for key, names in contract.items():
        kind, *inner = key.split(".")
        fields = KINDS[kind].by_name
        if inner:
            f = fields[inner[0]]
            fields = {c.name: c for c in (f.fields or f.item.fields)}
        missing = [n for n in names if n not in fields]
        assert missing == [], key
