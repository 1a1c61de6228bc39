"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl and eval/dev2.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.6152
COEFFICIENTS = {"reader": 0.1349, "margin": 0.1185, "passage": 0.8884, "year": 0.7502, "intent": 0.1201, "english": -0.1274, "kind": 0.6801, "clause": 2.3711}
ABSTAIN_BELOW = 0.1
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.1
"""The same for English questions (the same value unless fitted with --per-language)."""
