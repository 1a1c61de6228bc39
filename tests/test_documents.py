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


@pytest.mark.parametrize("text,title", [
    ("市委十二届十一次全体(扩大)会议举行\n温州网讯 昨天,市委十二届十一次全体(扩大)会议举行。", "市委十二届十一次全体(扩大)会议举行"),
    ("今天(22日)上午,中共泉州市委十三届九次全会举行。全会由市委常委会主持。", "中共泉州市委十三届九次全会举行"),
    ("温州网讯 昨天,市委十二届十一次全体(扩大)会议举行。市委常委会主持会议。", "市委十二届十一次全体(扩大)会议举行"),
    ("7月22日上午，泉州市召开全市经济工作会议。会议强调……", "泉州市召开全市经济工作会议"),
    ("黨的二十大開啟了全面建設社會主義現代化強國的新征程,擘畫了以中國式現代化全面推進中華民族偉大復興的新藍圖。",
     "黨的二十大開啟了全面建設社會主義現代化強國的新征程…"),
])
def test_a_report_is_named_by_its_headline_not_its_first_sentence(tmp_path, text, title):
    """Regression: titles were the first line as it came, so a news lead read
    '今天(22日)上午,中共泉州市委…' and an article without a headline its whole first sentence."""
    (tmp_path / "r.txt").write_text(text + "\n" + TEXT, encoding="utf-8")
    assert read_document(tmp_path / "r.txt", "r.txt").title == title


@pytest.mark.parametrize("property_title,expected", [
    ("丽水市委五届八次全会公报", "丽水市委五届八次全会公报"),
    ("Microsoft Word - 文档1.docx", "丽水市委五届八次全体会议举行"),  # a placeholder: the text names it
    ("", "丽水市委五届八次全体会议举行"),
])
def test_a_docx_title_property_names_the_report_when_it_is_real(tmp_path, property_title, expected):
    from docx import Document

    word = Document()
    word.core_properties.title = property_title
    word.add_paragraph("丽水市委五届八次全体会议举行")
    word.add_paragraph("出席这次全会的市委委员42名。")
    word.save(tmp_path / "report.docx")
    assert read_document(tmp_path / "report.docx", "report.docx").title == expected


def test_passages_and_other_candidates_carry_their_documents_title(assistant):
    answer = assistant.ask("2023年泉州开工重点项目多少个？")
    titles = {doc_id: doc.title for doc_id, doc in assistant.index.documents.items()}
    assert all(p.title == titles[p.doc] for p in answer.passages)
    assert answer.alternatives and all(a.title == titles[a.doc] for a in answer.alternatives)
    assert titles["000_575acf73bce17c5b.txt"] == "中共泉州市委十三届九次全会举行"
