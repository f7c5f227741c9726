"""What a run loads on the driver before tagging: the catalog (with the classifier's archetype
personas), the archetype model, and the tagger error rates that correct shares (audits)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from prevalence.catalog import Catalog, load_catalog, with_archetypes
from prevalence.classifier.model import UNCLASSIFIED, ArchetypeModel
from prevalence.config import RunConfig
from prevalence.stats.correction import Audit, load_audit
from prevalence.tagging.archetypes import ArchetypeTagger
from prevalence.tagging.assistant import PERSONA as ASSISTANT
from prevalence.tagging.assistant_audit import assistant_audit
from prevalence.tagging.registry import check_taggers


@dataclass(frozen=True)
class Resources:
    """The run's catalog, archetype model (or None), audits keyed (persona, role), and which of those
    audits came from measured rates rather than the user's audit file."""

    catalog: Catalog
    model: ArchetypeModel | None
    audits: dict[tuple[str, str], Audit] = field(default_factory=dict)
    measured: tuple[tuple[str, str], ...] = ()

    def model_summary(self) -> dict | None:
        """The manifest's record of the classifier: which model, its settings, which shares it corrected."""
        if self.model is None:
            return None
        import os

        corrected = sorted(pid for (pid, role) in self.measured if pid != ASSISTANT)
        m = self.model
        report = m.report() or {}
        rates, section = rates_section(m)
        summary = {"model": os.path.abspath(m.path), "fingerprint": m.fingerprint, "labels": m.labels,
                   "threshold": m.threshold, "top_k": m.top_k, "abstention_persona": f"archetype_{UNCLASSIFIED}",
                   "rates": rates, "corrected": corrected}
        if section is not None:
            summary["rates_macro_f1"] = section.get("macro_f1")
            summary["rates_per_label"] = {label: {k: r[k] for k in ("tp", "fn", "fp", "tn", "precision", "recall", "fpr")}
                                          for label, r in section["per_label"].items()}
        if report.get("loso"):
            summary["loso_sources"] = report["loso"]["sources"]
        return summary

    def assistant_summary(self) -> dict | None:
        """The manifest's record of the assistant detector's rates, and whether they corrected the share."""
        if not any(p.id == ASSISTANT for p in self.catalog.personas):
            return None
        return {**assistant_audit(), "corrected": (ASSISTANT, "author") in self.measured}


def load_resources(config: RunConfig, progress: Callable[[str], None]) -> Resources:
    """Catalog, model and audits of a run; user errors raise PrevalenceError before Spark starts."""
    check_taggers(config.taggers)
    catalog = load_catalog(config.catalog)
    model = load_archetype_model(config, progress)
    if model is not None:
        catalog = with_archetypes(catalog, list(ArchetypeTagger(model, catalog).persona_ids.values()))
    measured = classifier_audits(model, catalog)
    if any(p.id == ASSISTANT for p in catalog.personas):
        rates = assistant_audit()
        measured[(ASSISTANT, "author")] = Audit.from_counts(rates["tp"], rates["fn"], rates["fp"], rates["tn"])
    # Hand audits win over measured rates for the same persona and role.
    hand = load_audit(config.audit, catalog) if config.audit else {}
    return Resources(catalog, model, {**measured, **hand}, tuple(k for k in measured if k not in hand))


def load_archetype_model(config: RunConfig, progress: Callable[[str], None]) -> ArchetypeModel | None:
    """The run's archetype classifier (default, a directory, or None), with the run's overrides."""
    if config.archetypes == "none":
        return None
    if config.archetypes == "default":
        from prevalence.classifier.default import default_model

        model = default_model(progress)
    else:
        model = ArchetypeModel.load(config.archetypes)
    return model.with_options(config.archetype_threshold, config.archetype_top_k)


def rates_section(model: ArchetypeModel) -> tuple[str, dict | None]:
    """Which measured rates apply to a run of this model, and the report section holding them:
    leave-one-source-out when the report has them, else the same-source held-out split; none when the
    run's threshold or top_k differs from the one they were measured at."""
    report = model.report()
    if report is None:
        return "none: the model has no report", None
    if (report["threshold"], report["top_k"]) != (model.threshold, model.top_k):
        return (f"none: measured at threshold {report['threshold']} and top_k {report['top_k']}, "
                f"the run uses {model.threshold} and {model.top_k}"), None
    if report.get("loso"):
        return "leave_one_source_out", report["loso"]
    return "held_out_same_source", report["held_out"]


def classifier_audits(model: ArchetypeModel | None, catalog: Catalog) -> dict[tuple[str, str], Audit]:
    """{(archetype persona, `author`): Audit} from the model's measured rates (`rates_section`)."""
    section = rates_section(model)[1] if model is not None else None
    if section is None:
        return {}
    tagger = ArchetypeTagger(model, catalog)
    audits = {}
    for label, m in section["per_label"].items():
        if m["tp"] + m["fn"] and m["fp"] + m["tn"]:
            audits[(tagger.persona_ids[label], "author")] = (source_audit(section["per_source"], label) if "per_source" in section
                                                             else Audit.from_counts(m["tp"], m["fn"], m["fp"], m["tn"]))
    return audits


def source_audit(per_source: dict[str, dict], label: str) -> Audit:
    """One label's audit from leave-one-source-out counts kept per source, so that the correction's
    interval carries how much the rates differ between sources."""
    positives = [(r["given"].get(label, 0), r["documents"]) for _, r in sorted(per_source.items()) if r["label"] == label]
    negatives = [(r["given"].get(label, 0), r["documents"]) for _, r in sorted(per_source.items()) if r["label"] != label]
    return Audit.from_sources(positives, negatives)
