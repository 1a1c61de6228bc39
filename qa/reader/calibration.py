"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl, eval/dev2.jsonl and eval/dev3.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.5456
COEFFICIENTS = {"reader": 0.1193, "margin": 0.1293, "passage": 1.0472, "year": 0.7543, "intent": 0.0248, "english": -0.0664, "kind": 0.602, "clause": 2.2293, "count": 1.603}
ABSTAIN_BELOW = 0.1
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.1
"""The same for English questions (the same value unless fitted with --per-language)."""
