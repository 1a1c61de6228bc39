"""Reading source files: encodings, formats, and files that must be skipped."""

import io

import pytest

from qa.errors import SkippedFile
from qa.ingest.documents import decode_text, read_document
from qa.ingest.indexing import collect_sources

TEXT = "泉州市2023年开工重点项目240个,建成重点项目150个。全市新增就业9.5万人。" * 3
TRADITIONAL = "泉州市堅持制造業立市,加快建設現代化產業體系,打造萬億級產業集群。" * 3


@pytest.mark.parametrize("encoding,text", [
    ("utf-8", TEXT), ("utf-8-sig", TEXT), ("gbk", TEXT), ("gb18030", TEXT), ("big5", TRADITIONAL),
])
def test_text_files_decode_in_common_chinese_encodings(tmp_path, encoding, text):
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(path, path.name)
    assert doc.text == text
    assert doc.doc_id == path.name


def test_bad_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "spaces.md").write_bytes(b"   \n\n  ")
    for name, reason in [("empty.txt", "empty"), ("binary.txt", "binary"), ("spaces.md", "empty")]:
        with pytest.raises(SkippedFile, match=reason):
            read_document(tmp_path / name, name)


def test_oversized_file_is_skipped(tmp_path, monkeypatch):
    from qa import settings

    monkeypatch.setattr(settings, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 10, encoding="utf-8")
    with pytest.raises(SkippedFile, match="limit"):
        read_document(path, "big.txt")


def test_undecodable_bytes_are_refused_not_guessed():
    with pytest.raises(SkippedFile):
        decode_text(bytes(range(128, 256)) * 3 + b"\x00")


def test_html_keeps_visible_text_only(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><style>p{}</style><script>alert(1)</script></head>"
                    "<body><h1>温州全会</h1><p>市委书记陈伟俊作工作报告。</p></body></html>", encoding="utf-8")
    doc = read_document(path, "page.html")
    assert "市委书记陈伟俊作工作报告。" in doc.text
    assert "alert" not in doc.text and "p{}" not in doc.text


def test_docx_paragraphs_are_read(tmp_path):
    from docx import Document

    word = Document()
    word.add_paragraph("丽水市委五届八次全体会议举行。")
    word.add_paragraph("出席这次全会的市委委员42名。")
    buffer = io.BytesIO()
    word.save(buffer)
    path = tmp_path / "report.docx"
    path.write_bytes(buffer.getvalue())
    doc = read_document(path, "report.docx")
    assert doc.text == "丽水市委五届八次全体会议举行。\n出席这次全会的市委委员42名。"


def test_pdf_pages_are_located(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = tmp_path / "report.pdf"
    with PdfPages(path) as pdf:
        for line in ["The harbour opened in 1999.", "The committee has 42 members."]:
            fig = plt.figure()
            fig.text(0.1, 0.5, line)
            pdf.savefig(fig)
            plt.close(fig)
    doc = read_document(path, "report.pdf")
    assert doc.page_at(doc.text.index("1999")) == 1
    assert doc.page_at(doc.text.index("42 members")) == 2


def test_collect_sources_uses_relative_ids_and_ignores_other_types(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x,y", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    found = collect_sources([tmp_path], tmp_path / "index", warn=lambda line: None)
    assert sorted(found) == ["a.txt", "sub/b.md"]
