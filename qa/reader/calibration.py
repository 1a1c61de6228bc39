"""The confidence model over reader candidates, fitted on the dev questions (eval/qa.jsonl,
eval/en_dev.jsonl and eval/dev2.jsonl).

Written by `python eval/calibrate.py --write`; do not edit by hand. A logistic
regression over `scoring.FEATURES`; answers below ABSTAIN_BELOW (ABSTAIN_BELOW_ENGLISH for English
questions) are withheld.
"""

INTERCEPT = -3.1735
COEFFICIENTS = {"reader": 0.0804, "margin": 0.1891, "passage": 0.8838, "year": 0.7256, "intent": 0.1397, "english": -0.211, "kind": 0.8567}
ABSTAIN_BELOW = 0.07
"""Answers to Chinese questions less confident than this are withheld ("not found in the reports")."""
ABSTAIN_BELOW_ENGLISH = 0.07
"""The same for English questions (fitted on the English dev questions alone)."""
