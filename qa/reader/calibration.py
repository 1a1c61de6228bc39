"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl
and eval/en_dev.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.9866
COEFFICIENTS = {"reader": 0.1024, "margin": 0.1317, "passage": 1.0896, "year": 0.3081, "intent": 0.2239, "english": -0.41, "kind": 0.4684}
ABSTAIN_BELOW = 0.02
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.04
"""The same for English questions (their confidences run lower; fitted on their own)."""
