"""The confidence model over reader candidates, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW are withheld.
"""

INTERCEPT = -3.9811
COEFFICIENTS = {"reader": 0.2135, "margin": 0.0996, "passage": 0.5674, "year": 0.0939, "intent": 0.4357, "english": 1.4466, "kind": 0.4613}
ABSTAIN_BELOW = 0.02
"""Answers less confident than this are withheld ("not found in the reports")."""
