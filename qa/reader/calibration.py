"""The confidence model over reader candidates, fitted on the dev split of eval/qa.jsonl.

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW are withheld.
"""

INTERCEPT = -3.7879
COEFFICIENTS = {"reader": 0.1982, "margin": 0.1174, "passage": 0.2793, "year": 0.3213, "intent": 0.3947, "english": -0.5088, "kind": 0.4459}
ABSTAIN_BELOW = 0.08
"""Answers less confident than this are withheld ("not found in the reports")."""
