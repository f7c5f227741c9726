"""The persona catalog: the bundled one is honest, and bad files fail with one clear line."""

import os
from collections import Counter

import pytest

from prevalence.catalog import KINDS, catalog_from_records, load_catalog, resolve
from prevalence.errors import CatalogError, UnknownPersonaError


@pytest.fixture(scope="module")
def default():
    return load_catalog()


def test_default_catalog_has_at_least_300_personas_across_kinds(default):
    kinds = Counter(p.kind for p in default.personas)
    assert len(default.personas) >= 300
    for kind in ("fictional_character", "historical_figure", "author_archetype", "assistant"):
        assert kinds[kind] >= 10, kind
    assert set(kinds) <= set(KINDS)


def test_default_catalog_names_the_famous_ones(default):
    ids = {p.id for p in default.personas}
    assert {"harry_potter", "sherlock_holmes", "hamlet", "abraham_lincoln", "napoleon_bonaparte", "chatgpt"} <= ids


def test_default_catalog_has_no_alias_listed_twice_for_one_persona(default):
    for p in default.personas:
        lowered = [a.lower() for a in p.names]
        assert len(lowered) == len(set(lowered)), p.id


def test_default_catalog_short_aliases_have_something_to_confirm_them(default):
    for p in default.personas:
        if p.short_aliases:
            assert p.cues or p.aliases, f"{p.id}: short aliases can never be confirmed"


def test_yaml_and_csv_catalogs_load_the_same_persona(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "- {id: abraham_lincoln, name: Abraham Lincoln, kind: historical_figure, short_aliases: [Lincoln], cues: [Gettysburg], anti_cues: [Nebraska]}\n"
    )
    (tmp_path / "c.csv").write_text(
        "id,name,kind,aliases,short_aliases,cues,anti_cues\nabraham_lincoln,Abraham Lincoln,historical_figure,,Lincoln,Gettysburg,Nebraska\n"
    )
    yaml_p = load_catalog(str(tmp_path / "c.yaml")).personas[0]
    csv_p = load_catalog(str(tmp_path / "c.csv")).personas[0]
    assert yaml_p == csv_p
    assert yaml_p.short_aliases == ("Lincoln",)


@pytest.mark.parametrize(
    "records, message",
    [
        ([{"id": "a", "name": "A", "kind": "fictional_character"}, {"id": "a", "name": "B", "kind": "fictional_character"}], "duplicate id"),
        ([{"id": "a", "name": "A", "kind": "wizard"}], "kind 'wizard'"),
        ([{"id": "a", "kind": "fictional_character"}], "missing name"),
        ([{"id": "A B", "name": "A", "kind": "fictional_character"}], "must be lowercase"),
        ([{"id": "a", "name": "A", "kind": "fictional_character", "aliases": "Al"}], "aliases must be a list"),
        ([{"id": "a", "name": "A", "kind": "fictional_character", "alias": ["Al"]}], "unknown field"),
        ([{"id": "a", "name": "A", "kind": "fictional_character"}, {"id": "b", "name": "a", "kind": "fictional_character"}], "also persona 'a'"),
        ([], "no personas"),
    ],
)
def test_invalid_catalogs_name_the_problem(records, message):
    with pytest.raises(CatalogError, match=message):
        catalog_from_records(records)


def test_unparseable_yaml_is_a_one_line_catalog_error(tmp_path):
    (tmp_path / "c.yaml").write_text("- {id: a, name: [unclosed\n")
    with pytest.raises(CatalogError, match="cannot be parsed") as info:
        load_catalog(str(tmp_path / "c.yaml"))
    assert "\n" not in str(info.value)


def test_missing_catalog_file_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(str(tmp_path / "none.yaml"))


def test_names_resolve_case_insensitively_through_aliases(default):
    assert resolve(default, "harry potter").id == "harry_potter"
    assert resolve(default, "Abe Lincoln").id == "abraham_lincoln"
    assert resolve(default, "LINCOLN").id == "abraham_lincoln"


def test_unknown_name_lists_close_matches(default):
    with pytest.raises(UnknownPersonaError, match="close matches: .*Sherlock Holmes"):
        resolve(default, "Sherlok Holmes")


def test_a_short_alias_of_several_personas_is_ambiguous(default):
    with pytest.raises(UnknownPersonaError, match="ambiguous"):
        resolve(default, "Hermione")


def test_the_c_yaml_parser_reads_the_catalog_as_the_python_one_does():
    """The catalog is read with PyYAML's C parser when it is there; it must read the same records."""
    import yaml

    from prevalence import catalog

    path = os.path.join(os.path.dirname(catalog.__file__), "catalogs", "default.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert yaml.load(text, Loader=catalog._YAML_LOADER) == yaml.safe_load(text)
