"""schemas/<table>.json and the code's Arrow schemas describe the same tables."""

import json

import pytest

from prevalence.tables import SCHEMAS, contract
from tests.conftest import REPO


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_contract_file_matches_code(table):
    with open(REPO / "schemas" / f"{table}.json") as f:
        written = json.load(f)
    documented = [{k: c[k] for k in ("name", "type", "nullable")} for c in written["columns"]]
    assert documented == contract(table)["columns"]
    assert all(c["description"] for c in written["columns"])


def test_every_contract_file_is_a_table_of_the_code():
    files = {p.stem for p in (REPO / "schemas").glob("*.json")}
    assert files == set(SCHEMAS)
