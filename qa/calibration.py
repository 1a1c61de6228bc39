"""Sentence weights and the confidence model, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. Confidence is a
logistic regression over the winning candidate's features (see extraction.candidate_features).
"""

WEIGHTS = {"dense": 6.0, "lexical": 9.0, "passage": 0.3, "typed": 0.6, "year": 1.0, "intent": 0.0, "names": 1.5, "span": 1.5, "clause": 4.0}
"""Sentence score weights (see extraction.score_sentence)."""

INTERCEPT = -7.3603
COEFFICIENTS = {"dense": 23.0923, "dense_abs": 10.4217, "lexical": 0.2703, "passage": -1.3815, "typed": -1.7458, "year": 1.2605, "intent": -0.6642, "names": 5.1526, "margin": 0.4417, "span": 1.397, "english": 1.3881}
ABSTAIN_BELOW = 0.29
"""Answers less confident than this are withheld ("not found in the reports")."""
