"""The confidence model over reader candidates, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW are withheld.
"""

INTERCEPT = -3.9951
COEFFICIENTS = {"reader": 0.209, "margin": 0.114, "passage": 0.4428, "year": 0.2398, "intent": 0.5515, "english": -0.2751, "kind": 0.4724}
ABSTAIN_BELOW = 0.03
"""Answers less confident than this are withheld ("not found in the reports")."""
