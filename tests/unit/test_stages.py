"""The document stages: RAW batch in, TAGGED batch out, rejects passed through."""

import pyarrow as pa
import pytest

from prevalence.catalog import load_catalog
from prevalence.corpus import RAW_SCHEMA
from prevalence.stages import TAGGED_SCHEMA, Sample, Tag, Tokenise, run_stages


def tag_batch(raw):
    return run_stages(raw, [Sample(), Tokenise(), Tag(load_catalog(), taggers=("mentions",))])


def test_stage_measures_tags_and_passes_rejects_through():
    raw = pa.RecordBatch.from_pylist(
        [
            {"shard": "s", "position": 0, "doc_id": "d0", "source": "s", "text": "Abraham\n   Lincoln  spoke.", "reject_reason": None, "excerpt": None},
            {"shard": "s", "position": 1, "doc_id": "d1", "source": "s", "text": None, "reject_reason": "malformed_json", "excerpt": "{"},
        ],
        schema=RAW_SCHEMA,
    )
    out = tag_batch(raw).to_pylist()
    assert out[0]["n_tokens"] == 3 and out[0]["n_chars"] == len("Abraham\n   Lincoln  spoke.")
    assert out[0]["names"] == [] and out[1]["names"] is None
    assert [(h["persona_id"], h["role"], h["count"], h["score"]) for h in out[0]["hits"]] == [("abraham_lincoln", "mention", 1, 1.0)]
    assert out[1]["hits"] is None and out[1]["reject_reason"] == "malformed_json" and out[1]["n_chars"] is None


def test_stage_output_has_the_tagged_schema():
    raw = RAW_SCHEMA.empty_table().to_batches() or [pa.RecordBatch.from_pylist([], schema=RAW_SCHEMA)]
    assert tag_batch(raw[0]).schema == TAGGED_SCHEMA


def test_every_unicode_space_separates_words_for_aliases_and_tokens():
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    raw = pa.RecordBatch.from_pylist(
        [{"shard": "s", "position": 0, "doc_id": "d0", "source": "s", "text": f"Abraham{spaces}Lincoln", "reject_reason": None, "excerpt": None}],
        schema=RAW_SCHEMA,
    )
    out = tag_batch(raw).to_pylist()[0]
    assert out["n_tokens"] == 2 and [h["persona_id"] for h in out["hits"]] == ["abraham_lincoln"]


def raw_batch(records: list[dict]) -> pa.RecordBatch:
    """A RAW_SCHEMA batch of readable documents (ids d0, d1, ...), with optional speaker and author."""
    rows = [{"shard": "s.jsonl", "position": i, "doc_id": f"d{i}", "source": r.get("source", "s"), "text": r["text"],
             "speaker": r.get("speaker"), "author": r.get("author"), "reject_reason": None, "excerpt": None}
            for i, r in enumerate(records)]
    return pa.RecordBatch.from_pylist(rows, schema=RAW_SCHEMA)


def stages_for(**options):
    from prevalence.config import config_from
    from prevalence.stages import document_stages

    config = config_from({"archetypes": "none", **options}, corpus=("c",), out="o")
    return document_stages(config, load_catalog())


def test_a_speaker_field_makes_the_whole_text_one_turn_of_that_speaker(tmp_path):
    from tests.conftest import write_jsonl
    from prevalence.config import ReadOptions
    from prevalence.corpus import list_shards, read_shard

    write_jsonl(tmp_path / "chat.jsonl", [
        {"who": "ChatGPT", "text": "Hello! How can I help you today?"},
        {"who": "Ada", "text": "Explain the Analytical Engine."},
        {"who": "ChatGPT", "text": "It was a mechanical general-purpose computer designed by Charles Babbage."},
    ])
    shard = list_shards([str(tmp_path / "chat.jsonl")])[0][0]
    raw = next(read_shard(shard, ReadOptions(speaker_field="who")))
    out = run_stages(raw, stages_for(**{"dedup.enabled": False}))
    speaking = [[(h["persona_id"], h["count"], h["tokens"]) for h in row["hits"] if h["role"] == "speaker"] for row in out.to_pylist()]
    # A one-word ad-hoc speaker is scoped by the document's source: here the corpus folder's name.
    assert speaking == [[("chatgpt", 1, 7)], [(f"speaker:{tmp_path.name.lower()}:ada", 1, 4)], [("chatgpt", 1, 10)]]


def test_window_pairs_join_only_mentions_close_together():
    near = "Moses and Aaron went to Pharaoh."
    far = "Moses went up the mountain. " + "Word " * 60 + "Aaron stayed in the camp."
    out = run_stages(raw_batch([{"text": near}, {"text": far}]), stages_for(**{"pairs.window": 10, "dedup.enabled": False}))
    assert [row["pairs"] for row in out.to_pylist()] == [[{"a": "aaron", "b": "moses"}], []]


def test_document_pairs_join_personas_of_any_role():
    text = "MOSES: Let my people go.\nAARON: He means it.\nMOSES: I do.\nAARON: He does."
    out = run_stages(raw_batch([{"text": text}]), stages_for(**{"dedup.enabled": False}))
    assert out.to_pylist()[0]["pairs"] == [{"a": "aaron", "b": "moses"}]


def test_documents_outside_the_sample_are_counted_not_tagged():
    out = run_stages(raw_batch([{"text": f"Abraham Lincoln {i}"} for i in range(200)]), stages_for(sample_fraction=0.3)).to_pylist()
    outside = [r for r in out if not r["sampled"]]
    assert 0 < len(outside) < 200 and all(r["hits"] is None and r["n_tokens"] is None for r in outside)
    assert all(r["names"] is None and r["n_chars"] is None for r in outside)
    assert all(r["names"] == [] and r["n_chars"] == len(f"Abraham Lincoln {r['position']}") for r in out if r["sampled"])
    assert all(r["hits"] == [{"persona_id": "abraham_lincoln", "role": "mention", "count": 1, "tokens": None, "score": 1.0,
                              "method": "alias"}] for r in out if r["sampled"])


def test_the_first_tagger_to_report_a_persona_in_a_role_wins():
    from prevalence.stages import first_hit_per_persona
    from prevalence.tagging.base import HitRows

    first, second = HitRows(), HitRows()
    first.add(0, "assistant", "author", 1, 10, method="metadata")
    second.add(0, "assistant", "author", 1, 10, method="assistant_style")
    second.add(0, "assistant", "speaker", 2, 5, method="chat")
    second.add(1, "assistant", "author", 1, 3, method="assistant_style")
    merged = first_hit_per_persona([first.table(), second.table()]).to_pylist()
    assert [(h["row"], h["role"], h["method"]) for h in merged] == [(0, "author", "metadata"), (0, "speaker", "chat"), (1, "author", "assistant_style")]


def test_hit_rows_puts_each_value_in_its_column():
    """HitRows.add's values land in the columns of HIT_ROWS_SCHEMA named like its parameters."""
    import inspect

    from prevalence.tagging.base import HIT_ROWS_SCHEMA, HitRows

    names = list(inspect.signature(HitRows.add).parameters)[1:]
    assert names == HIT_ROWS_SCHEMA.names
    values = {"row": 3, "persona_id": "p", "role": "speaker", "count": 4, "tokens": 5, "score": 0.25, "method": "m",
              "positions": [7, 9], "name": "Pat"}
    rows = HitRows()
    rows.add(**values)
    rows.add(0, "q", "mention", 1)
    assert rows.table().to_pylist() == [values, {"row": 0, "persona_id": "q", "role": "mention", "count": 1, "tokens": None,
                                                 "score": 1.0, "method": "", "positions": None, "name": None}]


def test_a_tagger_that_needs_evidence_must_follow_one_that_gives_it():
    from prevalence.errors import PrevalenceError

    with pytest.raises(PrevalenceError, match="needs mention evidence"):
        run_stages(raw_batch([{"text": "x"}]), [Sample(), Tokenise(), Tag(load_catalog(), taggers=("speakers", "mentions"))])


def test_a_tagger_role_outside_the_three_is_refused():
    from prevalence.errors import PrevalenceError
    from prevalence.tagging.base import hit_rows

    with pytest.raises(PrevalenceError, match="villains.*role"):
        hit_rows(pa.table({"row": pa.array([0], pa.int32()), "persona_id": ["x"], "role": ["villain"]}), "villains")


def test_a_one_word_speaker_stays_apart_across_sources_and_a_full_name_author_stays_one():
    transcript = "ANNA: Where were you?\nBEN: Out.\nANNA: All night?\nBEN: All night.\nANNA: Fine."
    records = [
        {"text": transcript, "source": "tv_drama"},
        {"text": transcript, "source": "radio_play"},
        {"text": "Short essay.\n\n-- Geoffrey James", "source": "tv_drama"},
        {"text": "Another essay.\n\n-- Geoffrey James", "source": "radio_play"},
    ]
    out = run_stages(raw_batch(records), stages_for(**{"dedup.enabled": False, "pairs.enabled": False})).to_pylist()
    annas = {h["persona_id"] for row in out[:2] for h in row["hits"] if h["persona_id"].endswith(":anna")}
    authors = {h["persona_id"] for row in out[2:] for h in row["hits"] if h["role"] == "author" and h["method"] == "signature"}
    assert annas == {"speaker:tv_drama:anna", "speaker:radio_play:anna"}
    assert authors == {"author:geoffrey_james"}
    assert {n["name"] for row in out[2:] for n in row["names"]} == {"Geoffrey James"}


def test_names_keep_their_written_form_and_ids_stay_normalised():
    out = run_stages(raw_batch([{"text": "A letter.\n\n-- H. L. Mencken"}]), stages_for(**{"dedup.enabled": False})).to_pylist()[0]
    assert {(n["persona_id"], n["name"]) for n in out["names"]} == {("author:h_l_mencken", "H. L. Mencken")}


def test_group_speech_is_counted_apart_from_every_persona():
    play = "Caes.\nBeware the ides.\n\nAll.\nHail, Caesar!\n\nCaes.\nWho calls?\n\nAll.\nHail!\n\nCaes.\nAgain?"
    row = run_stages(raw_batch([{"text": play}]), stages_for(**{"dedup.enabled": False})).to_pylist()[0]
    assert (row["group_turns"], row["group_words"]) == (2, 3)
    assert not any(h["persona_id"].startswith("group") for h in row["hits"])
