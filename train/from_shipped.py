"""Turn the shipped ONNX reader back into a checkpoint that training can continue from.

The training runs (`train/runs/`) are not committed: only the exported reader ships. To
train on from the shipped reader without first retraining its whole lineage
(`train/reproduce_reader.sh`, about five hours on 2 CPU cores), this reads every weight
out of `qa/reader/model/reader.onnx` (int8 weights dequantised: (q - zero point) x
scale, per output channel as `export_reader.py` quantised them) into the trainable state
`train_reader.py --init` loads. The result is the reader the package runs, less the
activation quantisation ONNX Runtime adds at run time (`tests/test_training.py` checks
that both give the same answers).

    python train/from_shipped.py --out train/runs/shipped
    python train/train_reader.py --init train/runs/shipped/reader.pt --out train/runs/next ...
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PREFIX = "qa_model."
_MATMUL = re.compile(r"^/qa_model/(.+)/MatMul_output_0")


def shipped_state(model_path: Path) -> dict:
    """{torch parameter name: float32 array} for every weight in the exported graph."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path)).graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}

    def dequantised(stem: str):
        q, zero, scale = (arrays[f"{stem}_{part}"] for part in ("quantized", "zero_point", "scale"))
        return (q.astype(np.float32) - zero.astype(np.float32)) * scale.astype(np.float32)

    state = {name[len(_PREFIX):]: array.astype(np.float32) for name, array in arrays.items()
             if name.startswith(_PREFIX) and not name.endswith(("_quantized", "_zero_point", "_scale"))}
    for name in arrays:  # quantised embedding tables, named after their parameter
        if name.startswith(_PREFIX) and name.endswith(".weight_quantized"):
            state[name[len(_PREFIX):-len("_quantized")]] = dequantised(name[:-len("_quantized")])
    for node in graph.node:  # linear layers: anonymous weights, named by the node that uses them
        if node.op_type == "MatMulInteger":
            module = _MATMUL.match(node.output[0])
            if module is None:
                raise ValueError(f"unexpected MatMulInteger output {node.output[0]!r}")
            stem = node.input[1][:-len("_quantized")]
            state[module.group(1).replace("/", ".") + ".weight"] = dequantised(stem).T.copy()
    return state


def main() -> None:
    import torch

    from reader_encoder import build_reader_model
    from qa.reader.runtime import MODEL_DIR, load_reader_manifest

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--out", type=Path, default=ROOT / "train/runs/shipped")
    args = parser.parse_args()
    manifest = load_reader_manifest(args.model_dir)
    state = {k: torch.from_numpy(v) for k, v in shipped_state(args.model_dir / manifest["file"]).items()}
    expected = {k for k in build_reader_model().state_dict()
                if "word_embeddings" not in k and "position_ids" not in k}
    missing, unknown = expected - set(state), set(state) - expected
    if missing or unknown:
        raise SystemExit(f"the graph does not map onto the reader: missing {sorted(missing)[:5]}, "
                         f"unknown {sorted(unknown)[:5]}")
    args.out.mkdir(parents=True, exist_ok=True)
    # config.json as train_reader.py writes it: export_reader.py and reader_gold.py read it
    (args.out / "config.json").write_text(json.dumps(manifest.get("training", {}), indent=1))
    torch.save({"model": state, "config": manifest.get("training", {}), "step": manifest.get("steps"),
                "from": f"{args.model_dir / manifest['file']} (sha256 {manifest['sha256'][:12]})"},
               args.out / "reader.pt")
    print(f"wrote {args.out / 'reader.pt'}: {len(state)} tensors from the shipped {manifest.get('variant')} reader")


if __name__ == "__main__":
    main()
