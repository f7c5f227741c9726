"""Held-out evaluation of a classifier: confusion matrix, per-label precision and recall, and the
one-vs-rest confusion counts the estimator corrects prevalence with."""

from __future__ import annotations

NONE = "(none)"


def evaluate(true: list[str], predicted: list[str | None], labels: list[str]) -> dict:
    """Metrics of top-1 predictions against true labels; None, or a label outside `labels` (such as
    `unclassified` for a model without that label), is an abstention."""
    columns = labels + [NONE]
    matrix = {t: {p: 0 for p in columns} for t in labels}
    for t, p in zip(true, predicted):
        matrix[t][p if p in matrix[t] else NONE] += 1
    per_label = {}
    n = len(true)
    for label in labels:
        tp = matrix[label][label]
        fn = sum(matrix[label].values()) - tp
        fp = sum(matrix[t][label] for t in labels if t != label)
        tn = n - tp - fn - fp
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
        per_label[label] = {
            "support": tp + fn, "precision": precision, "recall": recall, "f1": f1,
            "tp": tp, "fn": fn, "fp": fp, "tn": tn,
            "fpr": fp / (fp + tn) if fp + tn else None,
        }
    correct = sum(matrix[t][t] for t in labels)
    return {
        "documents": n,
        "accuracy": correct / n if n else None,
        "macro_f1": sum(m["f1"] for m in per_label.values()) / len(labels) if labels else None,
        "abstained": sum(matrix[t][NONE] for t in labels),
        "per_label": per_label,
        "confusion": {"rows_true_columns_predicted": columns, "matrix": {t: [matrix[t][p] for p in columns] for t in labels}},
    }


def markdown(report: dict) -> str:
    """The report as Markdown: summary, per-label table, confusion matrix."""
    held = report["held_out"]
    lines = [
        "# Archetype classifier: held-out report",
        "",
        f"Training corpus: {report['corpus']['documents_labelled']} labelled documents "
        f"({report['corpus']['rejected']} rejected, {report['corpus']['unlabelled']} without a label); "
        f"{report['split']['train_documents']} for training, {held['documents']} held out "
        f"(split by `{report['split']['group_field'] or 'doc_id'}`).",
        f"Threshold {report['threshold']}: accuracy {_f(held['accuracy'])}, macro F1 {_f(held['macro_f1'])}, "
        f"{held['abstained']} held-out documents below the threshold.",
        "",
        "| label | support | precision | recall | F1 | false-positive rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, m in held["per_label"].items():
        lines.append(f"| {label} | {m['support']} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | {_f(m['fpr'], 4)} |")
    columns = held["confusion"]["rows_true_columns_predicted"]
    lines += ["", "Confusion matrix (rows: true label, columns: predicted):", "",
              "| true \\ predicted | " + " | ".join(columns) + " |", "| --- |" + " ---: |" * len(columns)]
    for label, row in held["confusion"]["matrix"].items():
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    loso = report.get("loso")
    if loso:
        lines += ["", "## Leave-one-source-out (the rates runs correct shares with)", "",
                  f"{loso['documents']} documents of {len(loso['per_source'])} sources, each scored by a model trained without "
                  f"its source; threshold {loso['threshold']}: accuracy {_f(loso['accuracy'])}, macro F1 {_f(loso['macro_f1'])}.", "",
                  "| label | support | precision | recall | F1 | false-positive rate |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for label, m in loso["per_label"].items():
            lines.append(f"| {label} | {m['support']} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | {_f(m['fpr'], 4)} |")
    return "\n".join(lines) + "\n"


def _f(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
