"""jieba over memory-mapped tries (`qa.segmenter`) cuts and tags exactly as jieba
over its own dicts, and a process whose cache folder cannot be written still cuts."""

import json
import subprocess
import sys

from conftest import REPO, SEEDS
from qa import segmenter


def _texts() -> list[str]:
    """Every seed report, and every question of the eval files (three scripts, English)."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    for path in sorted((REPO / "eval").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts += [row["question"] for row in rows if "question" in row]
    return texts


def test_cuts_and_tags_equal_jiebas_own():
    jieba, posseg = segmenter.jieba(), segmenter.posseg()
    assert isinstance(jieba.dt.FREQ, segmenter.TrieCounts)
    assert isinstance(posseg.dt.word_tag_tab, segmenter.TrieTags)
    plain = jieba.Tokenizer()  # a tokenizer of its own: jieba's dicts, loaded as jieba does
    plain.initialize()
    plain_tags = posseg.POSTokenizer(plain)
    assert isinstance(plain.FREQ, dict) and isinstance(plain_tags.word_tag_tab, dict)
    assert jieba.dt.total == plain.total
    texts = _texts()
    assert len(texts) > 500
    for text in texts:
        assert [tuple(p) for p in posseg.cut(text, HMM=False)] == [tuple(p) for p in plain_tags.cut(text, HMM=False)]
        assert jieba.lcut(text, HMM=False) == plain.lcut(text, HMM=False)
        assert jieba.lcut_for_search(text) == plain.lcut_for_search(text)
    for word in ("泉州", "泉", "中华人民共", "厦门市", "不是词语吧"):  # a word, prefixes, absent
        assert (word in jieba.dt.FREQ, jieba.dt.FREQ.get(word)) == (word in plain.FREQ, plain.FREQ.get(word))
        assert posseg.dt.word_tag_tab.get(word, "x") == plain_tags.word_tag_tab.get(word, "x")
    assert len(jieba.dt.FREQ) == len(plain.FREQ) and len(posseg.dt.word_tag_tab) == len(plain_tags.word_tag_tab)


def test_a_cache_folder_that_cannot_be_written_leaves_jiebas_own_dicts(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    script = ("from qa import segmenter\nfrom qa.question import names\n"
              "print(type(segmenter.jieba().dt.FREQ).__name__, names.tagged('泉州市委书记是谁？'))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                          env={"QA_CACHE_DIR": str(blocked), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dict ") and "('泉州', 'ns')" in done.stdout
