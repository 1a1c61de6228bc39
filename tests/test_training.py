"""train/train_reader.py: the translated English questions the English reader learns from."""

import importlib.util
import json
import random
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _trainer():
    spec = importlib.util.spec_from_file_location("train_reader", ROOT / "train/train_reader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ITEMS = [dict(id=f"drcd:{i}", question=q, context="", start=0, text="", paragraph=str(i))
             for i, q in enumerate(["泉州2023年粮食产量是多少？", "温州市委书记是谁？", "丽水的口号是什么？"])]


def _translations(tmp_path: Path) -> Path:
    path = tmp_path / "en.jsonl"
    rows = [{"id": "drcd:0", "en": "How much grain did Quanzhou harvest in 2023?"},
            {"id": "drcd:1", "en": "Who is Wenzhou's Party secretary?"}, {"id": "drcd:2", "en": " "}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_translations_replace_the_question_and_blank_ones_are_skipped(tmp_path):
    trainer = _trainer()
    cfg = dict(english_questions=str(_translations(tmp_path)), translated_share=1.0, appended_share=0.0)
    english, rest = trainer.translate_some(ITEMS, cfg, random.Random(0))
    assert [i["question"] for i in english] == ["How much grain did Quanzhou harvest in 2023?",
                                                "Who is Wenzhou's Party secretary?"]
    assert [i["id"] for i in rest] == ["drcd:2"] and rest[0]["question"] == ITEMS[2]["question"]
    assert trainer.translate_some(ITEMS, {**cfg, "translated_share": 0.0}, random.Random(0))[0] == []


def test_appended_keywords_are_words_of_the_chinese_question(tmp_path):
    trainer = _trainer()
    cfg = dict(english_questions=str(_translations(tmp_path)), translated_share=1.0, appended_share=1.0)
    english, _ = trainer.translate_some(ITEMS, cfg, random.Random(3))
    for item, original in zip(english, ITEMS):
        en, _, keywords = item["question"].partition("? ")
        assert re.fullmatch(r"[\u4e00-\u9fff0-9]+？", keywords), item["question"]
        assert set(keywords[:-1]) <= set(original["question"])


def test_no_translation_file_changes_nothing():
    trainer = _trainer()
    english, rest = trainer.translate_some(ITEMS, dict(english_questions="", translated_share=1.0,
                                                       appended_share=0.5), random.Random(0))
    assert english == [] and rest == ITEMS


def test_extra_data_keeps_unanswerable_questions_as_negatives():
    trainer = _trainer()
    items = trainer.load_extra("train/data/synthetic")
    assert items and all(i["id"].startswith("syn:") for i in items)
    unanswerable = [i for i in items if i["start"] < 0]
    assert unanswerable and all(i["text"] == "" for i in unanswerable)
    answered = [i for i in items if i["start"] >= 0]
    assert all(i["context"][i["start"]:i["start"] + len(i["text"])] == i["text"] for i in answered)
    assert trainer.load_extra("") == []


def test_extra_data_named_by_patterns_is_one_sorted_set_and_a_typo_is_an_error():
    trainer = _trainer()
    folder = trainer.extra_files("train/data/synthetic")
    named = trainer.extra_files("train/data/synthetic/p*.json, train/data/synthetic/h*.json,train/data/synthetic/h1.json")
    assert [f.name for f in named] == sorted(f.name for f in folder if f.name[0] in "hp")
    assert named == trainer.extra_files("train/data/synthetic/h*.json,train/data/synthetic/p*.json")
    assert len(trainer.load_extra("train/data/synthetic/h1.json")) < len(trainer.load_extra("train/data/synthetic/h*.json"))
    for typo in ("train/data/synthetic/x*.json", "train/data/synthetc", "train/data/synthetic/h1.jsn"):
        with pytest.raises(SystemExit, match="names no data file"):
            trainer.extra_files(typo)


def test_every_synthetic_question_has_an_english_version():
    trainer = _trainer()
    english = trainer.load_translations("train/data/english_questions.jsonl,train/data/synthetic")
    synthetic = {i["id"] for i in trainer.load_extra("train/data/synthetic")}
    assert synthetic <= set(english)
    assert not any(re.search(r"[\u4e00-\u9fff]", english[i]) for i in synthetic)
    assert any(i.startswith("drcd:") for i in english)  # both sources, comma-separated
