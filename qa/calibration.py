"""Logistic-regression coefficients that turn answer features into a confidence.

Written by `eval/calibrate.py` from the dev split of the eval set; do not edit by hand.
"""

INTERCEPT = -2.0
COEFFICIENTS = {"dense": 2.0, "lexical": 3.0, "typed": 1.0, "year": 0.5, "intent": 0.3,
                "names": 2.0, "margin": 0.3, "span": 1.0}
ABSTAIN_BELOW = 0.35
"""Answers less confident than this are withheld ("not found in the reports")."""
