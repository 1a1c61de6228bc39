"""Sentence weights and the confidence model, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. Confidence is a
logistic regression over the winning candidate's features (see extraction.candidate_features).
"""

WEIGHTS = {"dense": 6.0, "lexical": 6.0, "passage": 0.3, "typed": 0.6, "year": 1.0, "intent": 0.5, "names": 1.5, "span": 2.0, "clause": 0.0, "rarity": 0.3}
"""Sentence score weights (see extraction.score_sentence)."""

INTERCEPT = -9.819
COEFFICIENTS = {"dense": 32.6557, "dense_abs": 10.5258, "lexical": 1.8225, "passage": -0.3322, "typed": -0.1903, "year": 1.1285, "intent": -0.7017, "names": 5.0848, "margin": 0.3888, "span": 1.053, "english": 1.7515}
ABSTAIN_BELOW = 0.43
"""Answers less confident than this are withheld ("not found in the reports")."""
