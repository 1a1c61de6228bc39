"""The confidence model over reader candidates, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW are withheld.
"""

INTERCEPT = -3.9411
COEFFICIENTS = {"reader": 0.2122, "margin": 0.107, "passage": 0.3704, "year": 0.195, "intent": 0.5833, "english": -0.266, "kind": 0.5124}
ABSTAIN_BELOW = 0.02
"""Answers less confident than this are withheld ("not found in the reports")."""
