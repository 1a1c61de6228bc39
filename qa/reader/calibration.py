"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl and eval/dev2.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.6108
COEFFICIENTS = {"reader": 0.1347, "margin": 0.1184, "passage": 0.8798, "year": 0.7599, "intent": 0.121, "english": -0.1437, "kind": 0.6764, "clause": 2.3789}
ABSTAIN_BELOW = 0.11
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.11
"""The same for English questions (the same value unless fitted with --per-language)."""
