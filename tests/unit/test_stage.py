"""The document stages: RAW batch in, TAGGED batch out, rejects passed through."""

import pyarrow as pa

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
