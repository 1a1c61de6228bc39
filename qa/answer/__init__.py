"""The answer: document views, the trap checks on a span, the answer record, its rendering.

`views` prepares each document's sentences and section headings at load time; `checks`
reads a span's sentence and section (year named vs year reviewed, target vs achievement);
`answers` is the record every front end shows (`Answer.to_dict()` is the JSON contract);
`rendering` writes it for the terminal.
"""
