"""The answer: the trap checks on a span, the answer record, and its terminal rendering.

`checks` reads a span's sentence and section (year named vs year reviewed, target vs
achievement); `answers` is the record every front end shows (`Answer.to_dict()` is the JSON
contract); `rendering` writes it for the terminal.
"""
