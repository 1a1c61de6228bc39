"""Tune the sentence-score weights and fit the confidence model, on the DEV split only.

    python eval/calibrate.py [--index-dir DIR] [--write]

1. Each dev question is embedded and retrieved once; its candidate sentences are cached.
2. A coarse coordinate search over four of `extraction.WEIGHTS` (TUNED) maximises dev
   answer F1 (answerable questions only), one weight at a time, one round, moving only
   for a gain of MIN_GAIN or more; the rest keep START.
3. A logistic regression (numpy, L2) maps the winning candidate's features to P(correct),
   where correct means char-F1 >= 0.5; the abstention threshold maximises dev mean F1 with
   unanswerable questions scored 1 when abstained.
With --write, the weights and coefficients are written to qa/calibration.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa import extraction, settings  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.metrics import char_f1  # noqa: E402
from qa.questions import analyse_question  # noqa: E402
from qa.retrieval import retrieve  # noqa: E402

GRID = [0.0, 1.0, 2.0, 4.0, 6.0, 9.0, 14.0]
TUNED = ("dense", "lexical", "clause", "span")
"""Only the weights that trade evidence against evidence are searched; the trap rules
(year, names, intent) and small priors keep their principled defaults (START)."""
START = {"dense": 6.0, "lexical": 6.0, "passage": 0.3, "typed": 0.6, "year": 1.0, "intent": 0.5,
         "names": 1.5, "span": 1.5, "clause": 4.0, "rarity": 0.3}
MIN_GAIN = 0.01
"""A weight moves only for at least this much dev F1 (about one question in 65): with 82
dev questions, smaller gains are noise."""
FEATURES = ["dense", "dense_abs", "lexical", "passage", "typed", "year", "intent", "names",
            "margin", "span", "english"]


IDF: dict = {}


def cache_candidates(assistant: Assistant, items: list[dict]) -> list[tuple]:
    IDF.update(assistant._idf)
    cached = []
    for item in items:
        parsed = analyse_question(item["question"])
        names = assistant._question_names(parsed)
        qv = assistant.embedder.embed_batch([item["question"]], "query")[0]
        hits = retrieve(assistant.index, qv, " ".join([item["question"], *names["found"]]),
                        settings.ANSWER_PASSAGES)
        cached.append((item, parsed, assistant._sentences_of(hits, qv, names), tuple(names["found"])))
    return cached


def best_answers(cached):
    out = []
    for item, parsed, sentences, found in cached:
        candidates = extraction.choose_answer(parsed, sentences, found, IDF)
        out.append((item, candidates))
    return out


def answer_f1(item, candidates) -> float:
    if not candidates:
        return 0.0
    best = candidates[0]
    return char_f1(best.sentence.text[best.span.start:best.span.end], item["answers"])


def mean_answerable_f1(cached) -> float:
    scores = [answer_f1(item, c) for item, c in best_answers(cached) if item["doc"]]
    return float(np.mean(scores))


def search_weights(cached, rounds: int = 1) -> dict:
    extraction.WEIGHTS.clear()
    extraction.WEIGHTS.update(START)
    best = mean_answerable_f1(cached)
    for _ in range(rounds):
        for name in TUNED:
            keep = extraction.WEIGHTS[name]
            for value in GRID:
                extraction.WEIGHTS[name] = value
                score = mean_answerable_f1(cached)
                if score > best + MIN_GAIN:
                    best, keep = score, value
            extraction.WEIGHTS[name] = keep
        print(f"weights {extraction.WEIGHTS} -> dev answerable F1 {best:.3f}", file=sys.stderr)
    return dict(extraction.WEIGHTS)


def feature_rows(cached):
    rows, labels, f1s, answerable = [], [], [], []
    for item, candidates in best_answers(cached):
        if candidates:
            feats = extraction.candidate_features(candidates[0], candidates[1] if len(candidates) > 1 else None)
            f1 = answer_f1(item, candidates)
        else:
            feats, f1 = {name: 0.0 for name in FEATURES}, 0.0
        rows.append([feats[name] for name in FEATURES])
        ok = bool(item["doc"]) and f1 >= 0.5 and extraction.violated_rule(feats) is None
        labels.append(1.0 if ok else 0.0)
        f1s.append(f1 if item["doc"] else 0.0)
        answerable.append(bool(item["doc"]))
    return np.array(rows), np.array(labels), np.array(f1s), np.array(answerable)


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


def choose_threshold(probs, f1s, answerable) -> tuple[float, float]:
    best = (0.0, -1.0)
    for t in np.linspace(0.05, 0.95, 91):
        abstain = probs < t
        score = np.where(answerable, np.where(abstain, 0.0, f1s), np.where(abstain, 1.0, 0.0)).mean()
        if score > best[1] + 1e-9:
            best = (float(t), float(score))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", default=str(ROOT / "index"))
    parser.add_argument("--qa-file", default=str(ROOT / "eval" / "qa.jsonl"))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    items = [json.loads(line) for line in open(args.qa_file, encoding="utf-8")]
    items = [i for i in items if i["split"] == "dev"]
    cached = cache_candidates(Assistant.load(args.index_dir), items)
    print(f"dev answerable F1 before: {mean_answerable_f1(cached):.3f}", file=sys.stderr)
    weights = search_weights(cached)
    x, y, f1s, answerable = feature_rows(cached)
    coef, intercept = fit_logistic(x, y)
    probs = 1 / (1 + np.exp(-(x @ coef + intercept)))
    broken = np.array([extraction.violated_rule(dict(zip(FEATURES, row))) is not None for row in x])
    probs = np.where(broken, extraction.VIOLATION_CONFIDENCE, probs)
    threshold, score = choose_threshold(probs, f1s, answerable)
    print(f"abstain below {threshold:.2f}: dev mean F1 {score:.3f}", file=sys.stderr)
    if args.write:
        write_calibration(weights, dict(zip(FEATURES, coef.round(4).tolist())), round(intercept, 4),
                          round(threshold, 2))


def write_calibration(weights: dict, coefficients: dict, intercept: float, threshold: float) -> None:
    text = f'''"""Sentence weights and the confidence model, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. Confidence is a
logistic regression over the winning candidate's features (see extraction.candidate_features).
"""

WEIGHTS = {json.dumps(weights)}
"""Sentence score weights (see extraction.score_sentence)."""

INTERCEPT = {intercept}
COEFFICIENTS = {json.dumps(coefficients)}
ABSTAIN_BELOW = {threshold}
"""Answers less confident than this are withheld ("not found in the reports")."""
'''
    (ROOT / "qa" / "calibration.py").write_text(text, encoding="utf-8")
    print("wrote qa/calibration.py", file=sys.stderr)


if __name__ == "__main__":
    main()
