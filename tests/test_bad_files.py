"""Big and broken files: long texts convert without a process pool (forked from the threaded
server, opencc-purepy's pool for inputs of a million characters deadlocked it) and as in one
go; a broken or mislabelled file is skipped with one line, 4xx over HTTP; a document over the
character limit is refused with the limit in the message; an English name is matched over a
long report without reading all of it."""

import io
import shutil
import zipfile
from pathlib import Path

import opencc_purepy.core
import pytest
from fastapi.testclient import TestClient

from qa import settings
from qa.frontends.server import create_app
from qa.question.names import find_pinyin, find_pinyin_reading_all
from qa.textnorm import CONVERT_PIECE_CHARS, _t2s, convert, normalise_for_matching, to_simplified, to_traditional

GOOD = "测试市公园报告\n测试市2025年新建公园17个。\n"
PARAGRAPH = "黨的二十大開啟了全面建設社會主義現代化強國的新征程，泉州發展。\n"


def test_a_million_characters_convert_without_forking(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(opencc_purepy.core, "Pool", no_pool)
    text = PARAGRAPH * (1_100_000 // len(PARAGRAPH))
    simplified = to_simplified(text)
    assert len(simplified) == len(text) and simplified.startswith("党的二十大开启")
    assert normalise_for_matching(text).count("泉州发展") == text.count("泉州發展")
    assert to_traditional(simplified).startswith("黨的二十大開啟")


def test_pieces_convert_as_the_whole():
    text = (PARAGRAPH * 3 + "没有分隔符的一长串" * 3) * (3 * CONVERT_PIECE_CHARS // (len(PARAGRAPH) * 3 + 27))
    assert len(text) > 2 * CONVERT_PIECE_CHARS
    assert convert(_t2s(), text) == _t2s().convert(text)


@pytest.fixture
def upload_client(seed_index, tmp_path):
    """A client over a private copy of the seed index, for uploads."""
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    with TestClient(create_app(index_dir)) as client:
        yield client


def docx_bytes(document_xml: bytes | None = None) -> bytes:
    """A Word file (python-docx) with one paragraph, or with its document.xml replaced."""
    import docx

    document = docx.Document()
    document.add_paragraph("测试市2025年新建公园17个。")
    buffer = io.BytesIO()
    document.save(buffer)
    if document_xml is None:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, document_xml if item.filename == "word/document.xml" else source.read(item))
    return out.getvalue()


BROKEN_DOCX = {
    "unclosed": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body><w:p>',
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                 for i in range(1, 10))
                      + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                        b'<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>',
}


@pytest.mark.parametrize("name", sorted(BROKEN_DOCX))
def test_a_broken_docx_is_skipped_with_one_line(name, tmp_path, capsys):
    """`qa index` of a folder with a broken DOCX indexes the good file beside it and names
    the bad one in one line; an upload of it is a 400 naming the problem."""
    from qa.frontends.cli import main

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "bad.docx").write_bytes(docx_bytes(BROKEN_DOCX[name]))
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    assert main(["index", str(folder), "--index-dir", str(tmp_path / "index")]) == 0
    out, err = capsys.readouterr()
    assert "1 added" in out and "1 skipped" in out
    assert "bad.docx" in err and "unreadable DOCX" in err and "Traceback" not in err


def test_uploads_that_cannot_be_indexed_say_why(upload_client):
    client = upload_client
    broken = client.post("/api/documents", files={"file": ("broken.docx", docx_bytes(BROKEN_DOCX["unclosed"]))})
    assert broken.status_code == 400 and "unreadable DOCX" in broken.json()["error"]
    pdf = client.post("/api/documents", files={"file": ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")})
    assert pdf.status_code == 400 and "a PDF" in pdf.json()["error"]
    long_text = ("很长的报告。" * 50 + "\n") * (settings.MAX_DOCUMENT_CHARS // 300 + 10)
    big = client.post("/api/documents", files={"file": ("long.txt", long_text.encode("utf-8"))})
    assert big.status_code == 413 and f"{settings.MAX_DOCUMENT_CHARS:,}-character limit" in big.json()["error"]
    assert "/" not in big.json()["error"].split("could not index ")[1].split(":")[0]  # a file name, no path
    good = client.post("/api/documents", files={"file": ("good.docx", docx_bytes())})
    assert good.status_code == 201, good.text
    assert client.get("/api/documents").json()["documents"][-1]["id"] == "uploads/good.docx"


def test_an_unreadable_folder_keeps_its_documents(tmp_path, monkeypatch):
    """A folder that cannot be listed (simulated: this suite runs as root, who reads
    everything) leaves its documents in the index, with one warning; nothing is removed."""
    import os

    from qa.ingest.indexing import update_index
    from qa.stores.folder import load_index

    root = tmp_path / "src"
    (root / "locked").mkdir(parents=True)
    (root / "a.txt").write_text(GOOD, encoding="utf-8")
    (root / "locked" / "b.txt").write_text("乙市市委书记王明讲话。\n", encoding="utf-8")
    update_index([root], tmp_path / "index", progress=False, warn=lambda line: None)
    listing = os.scandir

    def scandir(path="."):
        if Path(path) == root / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    warnings = []
    report = update_index([root], tmp_path / "index", progress=False, warn=warnings.append)
    assert report.removed == [] and sorted(load_index(tmp_path / "index").documents) == ["a.txt", "locked/b.txt"]
    assert warnings == [f"could not read {root / 'locked'}: its documents stay in the index as they were"]


def test_an_empty_file_given_directly_is_an_error(tmp_path, capsys):
    from qa.frontends.cli import main

    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["index", str(tmp_path / "empty.txt"), "--index-dir", str(tmp_path / "index")]) == 1
    assert "an empty file; the index was not changed" in capsys.readouterr().err
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("name", ["Quanzhou", "Lishui", "Zhang Yigong", "Wu Shunze", "Fujian", "Liandu",
                                  "Xiamen", "Jinjiang", "Zhejiang", "Shengchan Zongzhi", "Gaozhiliang Fazhan"])
def test_english_names_are_matched_as_when_every_character_was_read(name, seeds_dir):
    for path in sorted(seeds_dir.iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert find_pinyin(name, text) == find_pinyin_reading_all(name, text), (name, path.name)


def test_an_english_name_reads_only_the_chinese_around_its_spellings(monkeypatch):
    """Per-document work at question time is bounded: a name asked in English over a long
    report reads pinyin and jieba only around the places that could spell it (pypinyin over
    a 3M-character upload took minutes)."""
    from qa.question import names

    read = []
    for reader in ("syllables_of", "word_starts"):
        monkeypatch.setattr(names, reader, lambda text, real=getattr(names, reader): read.append(text) or real(text))
    text = PARAGRAPH * 2000 + "丽水市2025年新建公园17个。" + PARAGRAPH * 2000
    assert find_pinyin("Lishui", text) == "丽水"
    assert find_pinyin("Xiamen", text) is None
    assert read and max(map(len, read)) < 50
