"""The engine's encoder as a trainable PyTorch model (training and reference tests only).

`build_reader_model` returns Hugging Face's `XLMRobertaForQuestionAnswering` filled with
the bundled e5 weights (dequantised from 4 bits) and a fresh span head. The answering
path never imports this module: it runs the exported ONNX graph (see `runtime`). torch
and transformers come with `pip install -e '.[train]'`.
"""

from __future__ import annotations

from qa.reader.weights import EngineWeights, load_engine_weights

POSITION_OFFSET = 2
"""XLM-R numbers real tokens from padding_idx + 1 = 2; the engine's table starts there."""

_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def reader_config(weights: EngineWeights):
    """The transformers config of the engine's XLM-R encoder."""
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=weights.word_blocks.shape[0], hidden_size=weights.hidden,
        num_hidden_layers=weights.layers, num_attention_heads=weights.heads,
        intermediate_size=weights.ffn, max_position_embeddings=weights.max_positions + POSITION_OFFSET,
        type_vocab_size=weights.tensors["emb.type"].shape[0], layer_norm_eps=weights.eps,
        hidden_act="gelu", pad_token_id=weights.vocabulary.pad, bos_token_id=weights.vocabulary.bos,
        eos_token_id=weights.vocabulary.eos, num_labels=2)


def engine_state_dict(weights: EngineWeights, prefix: str = "roberta.") -> dict:
    """The engine's tensors under transformers' XLM-R names (word table dequantised)."""
    import numpy as np
    import torch

    t = weights.tensors
    vocab = weights.word_blocks.shape[0]
    words = np.concatenate([weights.word_vectors(np.arange(i, min(i + 50_000, vocab)))
                            for i in range(0, vocab, 50_000)])
    positions = np.zeros((weights.max_positions + POSITION_OFFSET, weights.hidden), np.float32)
    positions[POSITION_OFFSET:] = t["emb.pos"]
    state = {
        "embeddings.word_embeddings.weight": words,
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(weights.layers):
        for stem, name in _LAYER_NAMES.items():
            state[f"encoder.layer.{layer}.{name}.weight"] = t[f"l{layer}.{stem}.w"]
            state[f"encoder.layer.{layer}.{name}.bias"] = t[f"l{layer}.{stem}.b"]
    return {prefix + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}


def build_reader_model(weights: EngineWeights | None = None):
    """XLMRobertaForQuestionAnswering with the engine's encoder and a new span head."""
    from transformers import XLMRobertaForQuestionAnswering

    weights = weights or load_engine_weights()
    model = XLMRobertaForQuestionAnswering(reader_config(weights))
    missing, unexpected = model.load_state_dict(engine_state_dict(weights), strict=False)
    left = [k for k in missing if not k.startswith("qa_outputs") and "position_ids" not in k]
    if left or unexpected:
        raise RuntimeError(f"engine weights do not fit the model: missing {left}, unexpected {unexpected}")
    return model


def build_encoder(weights: EngineWeights | None = None):
    """The bare XLMRobertaModel (for comparing embeddings with the engine)."""
    from transformers import XLMRobertaModel

    weights = weights or load_engine_weights()
    model = XLMRobertaModel(reader_config(weights), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(engine_state_dict(weights, prefix=""), strict=False)
    left = [k for k in missing if "position_ids" not in k]
    if left or unexpected:
        raise RuntimeError(f"engine weights do not fit the model: missing {left}, unexpected {unexpected}")
    return model.eval()
