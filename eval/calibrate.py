"""Fit the confidence model over reader candidates, on dev questions only: eval/qa.jsonl's
dev items, eval/en_dev.jsonl (the same dev questions asked in English), eval/dev2.jsonl and
eval/dev3.jsonl (150 fresh dev questions each, in three scripts).

    python eval/calibrate.py [--index-dir DIR] [--write]

1. Each dev question goes through the assistant's own pipeline (retrieve, read, place,
   trap-check) once; every surviving candidate span and its features are cached.
2. A logistic regression (numpy, L2, standardised features) maps a candidate's features
   (`qa.reader.scoring.FEATURES`) to P(correct), where correct means char-F1 >= 0.8 with
   a gold answer; every candidate of an unanswerable question is a negative. It is fitted
   on all candidates, before overlapping ones are merged, so fragments of an answer are
   seen as the negatives they are. The same model ranks the candidates.
3. The abstention threshold maximises dev mean F1, unanswerable questions scoring 1 when
   abstained: one for all questions, or with --per-language one for Chinese questions and
   one for English ones. (5-fold cross-validation, a question and its English twin in the
   same fold: on qa.jsonl's dev questions two thresholds scored 0.531 mean F1 against 0.511
   for one; over all 304 dev questions one threshold won twice, 0.566 against 0.551 and
   0.592 against 0.575 with two earlier readers: docs/evaluation.md.)
With --write, the coefficients go to qa/reader/calibration.py. The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from qa.assistant import Assistant
from qa.evaluation.metrics import char_f1
from qa.question.terms import keyword_question
from qa.reader.scoring import FEATURES

ENGLISH_FORMS = ("appended", "keywords", "asked", "both")
"""How an English question may reach the reader: "appended" (what ships: the English with
its Chinese keyword question after it, `terms.reader_question`), "keywords" (the Chinese
keyword question alone), "asked" (the English alone) or "both" (read twice, every span kept)."""

CORRECT_F1 = 0.8
"""A candidate with at least this char-F1 against a gold answer counts as right: high, so
that a fragment of the answer ('日' of '2月3日') is a negative and the model learns to
rank the whole span above its pieces."""


def cache_candidates(assistant: Assistant, items: list[dict],
                     english_form: str = "appended") -> list[tuple[dict, list]]:
    """(item, scored candidates) per dev question, through the assistant's own steps (with
    English questions read in `english_form`, one of ENGLISH_FORMS)."""
    cached = []
    for item in items:
        found = assistant.find_passages(item["question"])
        spans = assistant.read(found, reader_questions(found, english_form))
        cached.append((item, [s for s in assistant.score_spans(found, spans) if s.broken is None]))
    return cached


def reader_questions(found, form: str) -> list[str] | None:
    """The reader's questions for one of ENGLISH_FORMS (None: the shipped form)."""
    question, terms = found.question, found.terms
    if form == "appended" or question.language != "en" or not terms.found:
        return None
    keywords = keyword_question(question, terms)
    return {"keywords": [keywords], "asked": [question.text], "both": [keywords, question.text]}[form]


def feature_rows(cached):
    rows, labels, owners = [], [], []
    for q, (item, candidates) in enumerate(cached):
        for c in candidates:
            rows.append([c.features[name] for name in FEATURES])
            labels.append(1.0 if item["answers"] and char_f1(c.text, item["answers"]) >= CORRECT_F1 else 0.0)
            owners.append(q)
    return np.array(rows), np.array(labels), np.array(owners)


def fit_logistic(x, y, l2: float = 1.0, steps: int = 3000, lr: float = 0.1):
    """Plain gradient descent on the L2-regularised log loss (features standardised)."""
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= lr * (z.T @ (p - y) / len(y) + l2 * w / len(y))
        b -= lr * float(np.mean(p - y))
    coef = w / std
    return coef, b - float(mean @ coef)


def best_per_question(cached, probs, owners):
    """(best probability, its F1, answerable) per question; no candidate → probability 0."""
    out = []
    for q, (item, candidates) in enumerate(cached):
        mine = np.flatnonzero(owners == q)
        if len(mine):
            top = mine[np.argmax(probs[mine])]
            text = candidates[int(top - mine[0])].text
            out.append((float(probs[top]), char_f1(text, item["answers"]) if item["answers"] else 0.0,
                        bool(item["answers"])))
        else:
            out.append((0.0, 0.0, bool(item["answers"])))
    return np.array(out)


def question_scores(best, threshold: float) -> np.ndarray:
    """Each question's F1 at `threshold`: unanswerable ones score 1 when withheld."""
    probs, f1s, answerable = best[:, 0], best[:, 1], best[:, 2].astype(bool)
    abstain = probs < threshold
    return np.where(answerable, np.where(abstain, 0.0, f1s), np.where(abstain, 1.0, 0.0))


def choose_threshold(best) -> tuple[float, float]:
    choice = (0.0, -1.0)
    for t in np.linspace(0.02, 0.95, 94):
        score = question_scores(best, t).mean()
        if score > choice[1] + 1e-9:
            choice = (float(t), float(score))
    return choice


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", default=str(ROOT / "index"))
    parser.add_argument("--qa-file", action="append", default=None,
                        help="Q&A set whose dev items are fitted on (repeatable; default: eval/qa.jsonl, "
                             "its English translation eval/en_dev.jsonl, eval/dev2.jsonl and eval/dev3.jsonl)")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--per-language", action="store_true",
                        help="one abstention threshold for Chinese questions and one for English ones")
    parser.add_argument("--english-form", choices=ENGLISH_FORMS, default="appended",
                        help="how English questions reach the reader (default: appended, as shipped)")
    args = parser.parse_args()
    files = args.qa_file or [str(ROOT / "eval" / name)
                             for name in ("qa.jsonl", "en_dev.jsonl", "dev2.jsonl", "dev3.jsonl")]
    items = [json.loads(line) for path in files for line in open(path, encoding="utf-8")]
    items = [i for i in items if i["split"] == "dev"]
    cached = cache_candidates(Assistant.load(args.index_dir), items, args.english_form)
    x, y, owners = feature_rows(cached)
    coef, intercept = fit_logistic(x, y)
    probs = 1 / (1 + np.exp(-(x @ coef + intercept)))
    best = best_per_question(cached, probs, owners)
    answerable = best[:, 2].astype(bool)
    print(f"dev: {len(cached)} questions, {len(y)} candidates ({int(y.sum())} right); "
          f"answerable F1 of the top candidate {best[answerable, 1].mean():.3f}", file=sys.stderr)
    langs = np.array([item["lang"] for item, _ in cached])
    english = langs == "en"
    if args.per_language:
        threshold, _ = choose_threshold(best[~english])
        threshold_en, _ = choose_threshold(best[english])
    else:
        threshold = threshold_en = choose_threshold(best)[0]
    scored = np.where(english, question_scores(best, threshold_en), question_scores(best, threshold))
    print(f"abstain below {threshold:.2f} (Chinese), {threshold_en:.2f} (English): dev mean F1 {scored.mean():.3f}",
          file=sys.stderr)
    print("by language: " + ", ".join(f"{lang} {scored[langs == lang].mean():.3f} (n={int((langs == lang).sum())})"
                                      for lang in sorted(set(langs))), file=sys.stderr)
    print("coefficients " + json.dumps(dict(zip(FEATURES, coef.round(3).tolist()))), file=sys.stderr)
    if args.write:
        write_calibration(dict(zip(FEATURES, coef.round(4).tolist())), round(intercept, 4), round(threshold, 2),
                          round(threshold_en, 2))


def write_calibration(coefficients: dict, intercept: float, threshold: float, threshold_en: float) -> None:
    text = f'''"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl, eval/dev2.jsonl and eval/dev3.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = {intercept}
COEFFICIENTS = {json.dumps(coefficients)}
ABSTAIN_BELOW = {threshold}
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = {threshold_en}
"""The same for English questions (the same value unless fitted with --per-language)."""
'''
    (ROOT / "qa" / "reader" / "calibration.py").write_text(text, encoding="utf-8")
    print("wrote qa/reader/calibration.py", file=sys.stderr)


if __name__ == "__main__":
    main()
