"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl and eval/dev2.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.6133
COEFFICIENTS = {"reader": 0.1174, "margin": 0.1176, "passage": 0.8739, "year": 0.4875, "intent": 0.0795, "english": -0.1727, "kind": 0.6269, "clause": 3.2588}
ABSTAIN_BELOW = 0.09
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.09
"""The same for English questions (the same value unless fitted with --per-language)."""
