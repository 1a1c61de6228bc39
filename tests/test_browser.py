"""Live-server tests: the real `qa serve` process, driven by Chromium and by gradio_client.

Slow tier: builds a seed index, starts the server on a free port, asks, opens a source,
uploads a report and asks about it, saving screenshots to test-artifacts/. Every wait is
bounded so a broken page fails instead of hanging.
"""

import shutil
from pathlib import Path

import pytest

from qa.frontends.launch import running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 120
ANSWER_MS = 90_000
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def served_index(seed_index, tmp_path_factory) -> Path:
    """A private copy of the session's seed index: this module uploads into it."""
    index_dir = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(seed_index, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def server(served_index, tmp_path_factory):
    """`qa serve` in a subprocess; yields its base URL once /healthz answers."""
    with running_server(served_index, workdir=tmp_path_factory.mktemp("server")) as live:
        yield live.url


def test_gradio_client_calls_the_ask_endpoint(server):
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    result = client.predict("2023年泉州开工重点项目多少个？", 3, None, api_name="/ask")
    assert result["answer"] == "240个"
    assert len(result["passages"]) == 3 and result["citations"][0]["doc"].endswith(".txt")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` (or `make browser`) to run it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS, timeout=60_000)
        yield chromium
        chromium.close()


def ask(page, question: str, count: int):
    """Type `question`, send it, and wait for the `count`-th answer in the chat."""
    page.locator("#qa-question textarea").fill(question)
    page.locator("#qa-ask").click()
    answer = page.locator("#qa-chat .qa-answer").nth(count - 1)
    answer.wait_for(state="visible", timeout=ANSWER_MS)
    answer.scroll_into_view_if_needed(timeout=5_000)
    return answer


def test_chat_page_end_to_end(server, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/", wait_until="domcontentloaded", timeout=60_000)
    page.locator("#qa-question textarea").wait_for(state="visible", timeout=60_000)
    assert page.get_by_role("heading", name="Reports QA").is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") <= 800, "the page should fit a laptop screen"
    page.screenshot(path=str(ARTIFACTS / "01_empty.png"))

    answer = ask(page, "2023年泉州开工重点项目多少个？", 1)
    assert "240个" in answer.locator(".qa-span").inner_text()
    assert answer.locator(".qa-badge").inner_text().split(" ")[0] in {"high", "medium", "low"}
    source = page.locator("#qa-source .qa-src")
    source.wait_for(state="visible", timeout=10_000)
    assert "240个" in source.locator("mark").inner_text()
    assert "chars" in source.locator(".qa-place").inner_text()
    page.screenshot(path=str(ARTIFACTS / "02_answer_and_source.png"))

    answer.locator("details summary").first.click()
    assert "240个" in answer.locator("details .qa-quote mark").first.inner_text()
    assert answer.locator("details .qa-place").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "03_citation_expanded.png"))

    ask(page, f"{HOSTILE}泉州开工重点项目?", 2)
    assert HOSTILE in page.locator("#qa-chat .qa-q").nth(1).inner_text()

    unanswerable = ask(page, "温州市长是谁？", 3)  # no report names a mayor of Wenzhou: it says so, and why
    assert "Not found in the reports" in unanswerable.inner_text()
    assert "报告没有提到温州市长" in unanswerable.locator(".qa-reason").inner_text()
    assert "市委书记陈伟俊" in unanswerable.locator(".qa-reason").inner_text()
    assert unanswerable.locator(".qa-cites li").count() >= 1, "closest passages are offered"
    assert page.locator("#qa-sources").get_by_text("Closest passages").is_visible()
    page.screenshot(path=str(ARTIFACTS / "04_not_found.png"))

    page.locator("#qa-chat .qa-answer .qa-head").first.click()  # back to the first answer's sources
    page.locator("#qa-source mark", has_text="240个").wait_for(timeout=15_000)

    page.locator("#qa-question textarea").fill("   ")
    page.locator("#qa-ask").click()
    toast = page.locator("[data-testid=toast-body]", has_text="the question is empty")
    toast.wait_for(state="visible", timeout=15_000)
    page.locator("[data-testid=toast-close]").first.click()

    page.get_by_role("tab", name="Documents").click()
    report = tmp_path / "park_city.txt"
    report.write_text(f"{HOSTILE}测试市公园报告\n测试市2025年新建公园17个。\n", encoding="utf-8")
    page.locator("#qa-upload-status .qa-status-hint").wait_for(state="visible", timeout=10_000)
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.locator("#qa-upload").click()
    chooser.value.set_files(str(report))
    status = page.locator("#qa-upload-status .qa-status-ok")
    status.wait_for(state="visible", timeout=ANSWER_MS)
    assert "uploads/park_city.txt" in status.inner_text()
    page.locator("#qa-documents").get_by_text("uploads/park_city.txt").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "05_uploaded.png"))

    page.locator("#qa-docs input").click()
    page.locator("#qa-docs li", has_text="uploads/park_city.txt").wait_for(timeout=10_000)
    page.keyboard.press("Escape")

    page.get_by_role("tab", name="Source").click()
    answer = ask(page, "测试市2025年新建公园多少个？", 4)
    assert "17个" in answer.locator(".qa-span").inner_text()
    assert "uploads/park_city.txt" in page.locator("#qa-source .qa-place").inner_text()
    assert HOSTILE in page.locator("#qa-source .qa-src-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "06_answer_from_upload.png"))

    # a reloaded page reads the document lists anew: the upload is listed, and can be removed
    page.reload(wait_until="domcontentloaded")
    page.locator("#qa-question textarea").wait_for(state="visible", timeout=60_000)
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-documents").get_by_text("uploads/park_city.txt").wait_for(timeout=15_000)

    assert page.evaluate("window.__xss") is None, "document or question HTML was executed"
    assert not errors, errors
    page.close()


def test_chat_follows_up_on_the_previous_question(server, browser):
    """A follow-up in the chat is answered as the question it means, shown under the answer;
    'New chat' starts over, and the same words then stand alone."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(30_000)
    page.goto(server + "/", wait_until="domcontentloaded", timeout=60_000)
    page.locator("#qa-question textarea").wait_for(state="visible", timeout=60_000)
    first = ask(page, "Who is the Party secretary of Wenzhou?", 1)
    assert "陈伟俊" in first.locator(".qa-span").inner_text() and first.locator(".qa-asked").count() == 0
    follow_up = ask(page, "And of Lishui?", 2)
    assert follow_up.locator(".qa-asked").inner_text() == "asked as: Who is the Party secretary of Lishui?"
    assert "吴舜泽" in follow_up.locator(".qa-span").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "08_follow_up.png"))
    page.locator("#qa-new").click()
    page.locator("#qa-chat .qa-answer").first.wait_for(state="detached", timeout=15_000)
    alone = ask(page, "And of Lishui?", 1)
    assert alone.locator(".qa-asked").count() == 0
    page.close()


def test_batch_tab_answers_a_questions_file(server, browser, tmp_path):
    """The Batch tab: a csv of questions uploaded, answers offered as CSV and XLSX files
    whose CSV holds the answers (downloaded through the page's own link)."""
    import csv
    import io

    import httpx

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(30_000)
    page.goto(server + "/", wait_until="domcontentloaded", timeout=60_000)
    page.get_by_role("tab", name="Batch").click()
    questions = tmp_path / "questions.csv"
    questions.write_text("question,who\n2023年泉州开工重点项目多少个？,li\n,wang\n", encoding="utf-8")
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.locator("#qa-batch").click()
    chooser.value.set_files(str(questions))
    status = page.locator("#qa-batch-status .qa-status-ok")
    status.wait_for(state="visible", timeout=ANSWER_MS)
    assert "Answered 1 of 2" in status.inner_text() and "1 could not be asked" in status.inner_text()
    link = page.locator("#qa-batch-files a[download='answers.csv']")
    link.wait_for(timeout=10_000)
    assert page.locator("#qa-batch-files a[download='answers.xlsx']").is_visible()
    page.screenshot(path=str(ARTIFACTS / "07_batch.png"))
    href = link.get_attribute("href")
    text = httpx.get(href if href.startswith("http") else server + href, timeout=30).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["answer"], r["who"]) for r in rows] == [("240个", "li"), ("", "wang")]
    assert "empty" in rows[1]["error"]
    page.close()
