"""Sentence weights and the confidence model, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. Confidence is a
logistic regression over the winning candidate's features (see extraction.candidate_features).
"""

WEIGHTS = {"dense": 20.0, "lexical": 2.0, "passage": 0.3, "typed": 0.3, "year": 1.0, "intent": 0.0, "names": 1.5}
"""Sentence score weights (see extraction.score_sentence)."""

INTERCEPT = -5.7314
COEFFICIENTS = {"dense": 20.4306, "dense_abs": 5.3501, "lexical": -0.0151, "passage": -0.1763, "typed": 0.0944, "year": 0.4034, "intent": -1.1201, "names": 1.3088, "margin": 0.7218, "span": 2.5157}
ABSTAIN_BELOW = 0.15
"""Answers less confident than this are withheld ("not found in the reports")."""
