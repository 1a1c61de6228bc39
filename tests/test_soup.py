"""train/soup.py: the weight average of reader runs (training tooling; needs torch)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
torch = pytest.importorskip("torch")


def _run(tmp_path: Path, name: str, weight: list[float], steps: int) -> Path:
    run = tmp_path / name
    run.mkdir()
    state = {"encoder.weight": torch.tensor(weight), "position_ids": torch.tensor([0, 1])}
    torch.save({"model": state, "step": steps}, run / "reader.pt")
    (run / "config.json").write_text(json.dumps({"seed": steps, "max_tokens": 256}))
    return run


def _soup(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "train/soup.py"), *map(str, args)],
                          capture_output=True, text=True)


def test_soup_averages_float_weights_and_keeps_the_rest(tmp_path):
    a, b = _run(tmp_path, "a", [0.0, 4.0], 10), _run(tmp_path, "b", [2.0, 0.0], 20)
    out = tmp_path / "soup"
    done = _soup("--runs", a, b, "--weights", 3, 1, "--out", out)
    assert done.returncode == 0, done.stderr
    state = torch.load(out / "reader.pt", weights_only=False)["model"]
    assert torch.allclose(state["encoder.weight"], torch.tensor([0.5, 3.0]))
    assert state["position_ids"].tolist() == [0, 1] and not state["position_ids"].is_floating_point()
    config = json.loads((out / "config.json").read_text())
    assert config["max_tokens"] == 256 and config["soup"]["weights"] == [0.75, 0.25]


def test_soup_refuses_runs_of_different_models(tmp_path):
    a = _run(tmp_path, "a", [0.0, 4.0], 10)
    other = tmp_path / "other"
    other.mkdir()
    torch.save({"model": {"head.weight": torch.zeros(2)}}, other / "reader.pt")
    done = _soup("--runs", a, other, "--out", tmp_path / "soup")
    assert done.returncode != 0 and "not the same model" in done.stderr
    assert not (tmp_path / "soup").exists()
