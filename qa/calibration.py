"""Sentence weights and the confidence model, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. Confidence is a
logistic regression over the winning candidate's features (see extraction.candidate_features).
"""

WEIGHTS = {"dense": 20.0, "lexical": 4.0, "passage": 0.3, "typed": 0.3, "year": 1.0, "intent": 0.0, "names": 1.5}
"""Sentence score weights (see extraction.score_sentence)."""

INTERCEPT = 3.4777
COEFFICIENTS = {"dense": 38.5433, "dense_abs": -3.6804, "lexical": 2.0505, "passage": -0.5459, "typed": -1.1377, "year": 1.7159, "intent": -0.4053, "names": 5.7057, "margin": 0.8675, "span": 1.7781, "english": 0.3005}
ABSTAIN_BELOW = 0.18
"""Answers less confident than this are withheld ("not found in the reports")."""
