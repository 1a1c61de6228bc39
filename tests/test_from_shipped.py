"""train/from_shipped.py: the shipped ONNX reader read back into a trainable checkpoint
(training tooling; needs torch). The checkpoint must be the reader the package runs: the
same weight names the trainer saves, and the same answers as the ONNX graph."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
torch = pytest.importorskip("torch")

PASSAGES = ["2023年,全市开展“项目奋战年”活动,开工重点项目240个,建成重点项目150个,完成投资1800亿元。"
            "全市地区生产总值增长5.5%。",
            "出席这次全会的市委委员42名,候补委员8名。市委书记吴舜泽代表市委常委会作工作报告。"]
QUESTIONS = ["2023年开工重点项目多少个？", "地区生产总值增长了多少？", "出席全会的候补委员有几名？",
             "Who delivered the work report?", "How many key projects were completed in 2023?"]


def _module():
    spec = importlib.util.spec_from_file_location("from_shipped", ROOT / "train/from_shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped")
    done = subprocess.run([sys.executable, str(ROOT / "train/from_shipped.py"), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "198 tensors" in done.stdout
    return out


@pytest.fixture(scope="module")
def model():
    from reader_encoder import build_reader_model

    return build_reader_model().eval()


def test_every_trainable_weight_is_read_back_under_the_trainers_name(checkpoint, model):
    state = torch.load(checkpoint / "reader.pt")["model"]
    trainable = {k for k in model.state_dict() if "word_embeddings" not in k and "position_ids" not in k}
    assert set(state) == trainable
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["roberta.embeddings.word_embeddings.weight"] and not result.unexpected_keys
    assert (checkpoint / "config.json").exists()  # what export_reader.py and reader_gold.py read


def test_the_checkpoint_answers_as_the_onnx_reader_does(checkpoint, model):
    """The best span in PyTorch is among ONNX Runtime's best three for each question, and
    the logits agree. ONNX Runtime also quantises activations, so near ties can swap ('42名'
    against '42名,候补委员8名'); a weight read back transposed or under another layer's
    name would change the answers altogether."""
    from qa.reader.runtime import _best_spans, load_reader
    from qa.reader.windows import pad_windows

    model.load_state_dict(torch.load(checkpoint / "reader.pt")["model"], strict=False)
    reader = load_reader()
    for question in QUESTIONS:
        windows = reader.windows(question, PASSAGES)
        ids, mask = pad_windows(windows, reader.tokenizer.pad)
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(ids).long(), attention_mask=torch.from_numpy(mask).long())
        onnx_start, _ = reader.forward(windows)
        starts, ends = out.start_logits.numpy(), out.end_logits.numpy()
        real = mask.astype(bool)
        assert np.corrcoef(onnx_start[real], starts[real])[0, 1] > 0.97
        spans = [s for w, st, en in zip(windows, starts, ends)
                 for s in _best_spans(w, st[:len(w.ids)], en[:len(w.ids)], PASSAGES[w.passage], 1, 40)]
        best = max(spans, key=lambda s: s.score)
        shipped = [(s.passage, s.start, s.end) for s in reader.read(question, PASSAGES)[:3]]
        assert (best.passage, best.start, best.end) in shipped, question


def test_a_graph_that_does_not_map_onto_the_reader_is_refused(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.INT32, [1, 2])
    weight = helper.make_tensor("w_quantized", TensorProto.INT8, [2, 2], [1, 2, 3, 4])
    node = helper.make_node("MatMulInteger", ["x", "w_quantized"], ["/other/MatMul_out"])
    path = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(helper.make_graph([node], "g", [x], [y], [weight])), path)
    with pytest.raises(ValueError, match="unexpected MatMulInteger output"):
        _module().shipped_state(path)
