"""Taggers by name: the built-in ones, and a user's own by module path (`mypkg.taggers:Villains`) or
file path (`taggers/villains.py:Villains`). Modules load on first use, so naming a tagger costs
nothing until a worker builds it."""

from __future__ import annotations

import importlib
import importlib.util
import os

from prevalence.errors import PrevalenceError
from prevalence.tagging.base import Tagger, TaggerContext

# name -> "module:Class". A new built-in tagger is one module plus one line here.
BUILT_IN = {
    "mentions": "prevalence.tagging.mentions:MentionTagger",
    "speakers": "prevalence.tagging.speakers:SpeakerTagger",
    "authors": "prevalence.tagging.authors:AuthorTagger",
    "assistant_style": "prevalence.tagging.assistant:AssistantStyle",
    "archetypes": "prevalence.tagging.archetypes:ArchetypeTagger",
}
# Every run uses these, in this order; `--tagger` adds more after them. Where two taggers give the
# same (document, persona, role), the earlier one's hit stands.
DEFAULT_TAGGERS = tuple(BUILT_IN)


def tagger_class(spec: str) -> type:
    """The class a tagger name or `module:Class` / `file.py:Class` path names; PrevalenceError if it
    cannot be loaded or has no `tag` method."""
    target = BUILT_IN.get(spec, spec)
    module_name, sep, class_name = target.rpartition(":")
    if not sep or not module_name or not class_name:
        raise PrevalenceError(f"unknown tagger {spec!r}: use one of {', '.join(BUILT_IN)} or MODULE:CLASS")
    try:
        if module_name.endswith(".py"):
            if not os.path.isfile(module_name):
                raise PrevalenceError(f"tagger file not found: {module_name}")
            name = "prevalence_user_tagger_" + os.path.splitext(os.path.basename(module_name))[0]
            spec_ = importlib.util.spec_from_file_location(name, module_name)
            module = importlib.util.module_from_spec(spec_)
            spec_.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as error:
        raise PrevalenceError(f"cannot import tagger module {module_name!r}: {error}") from None
    cls = getattr(module, class_name, None)
    if cls is None or not callable(getattr(cls, "tag", None)):
        raise PrevalenceError(f"{target!r} is not a tagger class (a class with a tag(docs) method)")
    return cls


def build_taggers(specs: tuple[str, ...], context: TaggerContext) -> list[Tagger]:
    """The run's taggers, in order; those whose `build` returns None are left out. A tagger that
    needs mention evidence must come after one that provides it."""
    taggers = []
    provided = False
    for spec in specs:
        cls = tagger_class(spec)
        tagger = cls.build(context) if hasattr(cls, "build") else cls(context.catalog)
        if tagger is None:
            continue
        if getattr(tagger, "needs_evidence", False) and not provided:
            raise PrevalenceError(f"tagger {spec!r} needs mention evidence: list a mention tagger before it")
        provided = provided or getattr(tagger, "provides_evidence", False)
        if not getattr(tagger, "name", ""):
            tagger.name = spec
        taggers.append(tagger)
    # The evidence provider's scan finds the literals other taggers ask for (`Tagger.prefilter_literals`).
    provider = next((t for t in taggers if getattr(t, "provides_evidence", False)), None)
    if provider is not None and hasattr(provider, "add_literals"):
        for tagger in taggers:
            literals = tagger.prefilter_literals() if tagger is not provider and hasattr(tagger, "prefilter_literals") else ()
            if literals:
                provider.add_literals(tagger.name, literals)
    return taggers


def check_taggers(specs: tuple[str, ...]) -> None:
    """Fail early, on the driver, for a tagger that cannot be loaded (workers would fail later)."""
    for spec in specs:
        tagger_class(spec)
