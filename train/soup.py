"""Average the weights of reader runs fine-tuned from the same start (a "model soup",
Wortsman et al. 2022): one reader, the cost of one at answer time.

    python train/soup.py --runs train/runs/reader train/runs/reader-en2 --out train/runs/soup
    python train/export_reader.py --run train/runs/soup --ship int8

The output folder gets reader.pt (the mean of the runs' reader.pt) and the first run's
config.json, with the runs and their weights recorded under "soup".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True)
    parser.add_argument("--weights", type=float, nargs="*", default=None,
                        help="one per run (default: equal); normalised to sum 1")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    weights = args.weights or [1.0] * len(args.runs)
    if len(weights) != len(args.runs):
        parser.error("give one weight per run")
    weights = [w / sum(weights) for w in weights]
    states = [torch.load(run / "reader.pt", weights_only=False, map_location="cpu")["model"] for run in args.runs]
    if any(set(s) != set(states[0]) for s in states):
        parser.error("the runs hold different parameters: they are not the same model")
    mean = {}
    for name, first in states[0].items():
        if first.is_floating_point():
            mean[name] = sum(w * s[name].float() for w, s in zip(weights, states)).to(first.dtype)
        else:
            mean[name] = first
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({"model": mean, "step": None}, args.out / "reader.pt")
    config = json.loads((args.runs[0] / "config.json").read_text(encoding="utf-8"))
    config["soup"] = {"runs": [str(r) for r in args.runs], "weights": weights}
    (args.out / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out / 'reader.pt'}: mean of {len(args.runs)} runs, weights {[round(w, 3) for w in weights]}")


if __name__ == "__main__":
    main()
