"""The run page in a real browser (Debian's Chromium, driven by Playwright) against the real server (a child process,
its log captured at debug level with the access log on) and the emulator's scripted model: one server and one
browser for the module; each test opens a fresh context (an empty sessionStorage) and signs in as a person would.
A screenshot of each test's last state is saved under its tmp dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import ALICE, script
from tests.process import ServerProcess, server_env, start_server_process
from tests.run_page.browser import LAUNCH_ARGS, chromium_executable

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


@dataclass
class Site:
    url: str
    log_path: Path
    process: ServerProcess
    request_urls: list[str] = field(default_factory=list)
    authorized_requests: int = 0


@pytest.fixture(scope="module")
def site(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("run-page")
    log = root / "server.log"
    env = server_env(emulator, f"sqlite:///{root / 'db.sqlite'}", ML_INTERN_LOG_LEVEL="debug",
                     ML_INTERN_ACCESS_LOG="true")
    process = start_server_process(env, log)
    try:
        yield Site(url=process.url, log_path=log, process=process)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, site: Site, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def seen(request) -> None:
        site.request_urls.append(request.url)
        if request.headers.get("authorization") == f"Bearer {ALICE}":
            site.authorized_requests += 1

    opened.on("request", seen)
    try:
        yield opened
        assert not errors, errors
    finally:
        opened.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        context.close()


def sign_in(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Hugging Face user access token").fill(ALICE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your runs")).to_be_visible()


def submit(page: Page, task: str, *, max_cost: float | None = None) -> str:
    page.get_by_label("Task", exact=True).fill(task)
    if max_cost is not None:
        page.get_by_label("Max cost (USD)").fill(str(max_cost))
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/runs/resp_*")
    return page.url.rsplit("/", 1)[-1]


def wait_status(page: Page, status: str) -> None:
    expect(page.locator("#run .status")).to_have_attribute("data-status", status)


def answer_text(page: Page) -> str:
    return page.locator("#answer").inner_text()


# Records, at every DOM change, the answer's text length and the run's status (installed before the page's own
# scripts, through the DevTools protocol, so the page's CSP does not apply to it).
RECORD_ANSWER = """
window.__answerSamples = [];
new MutationObserver(() => {
  const answer = document.getElementById('answer');
  const status = document.querySelector('#run .status');
  if (!answer || !status) return;
  const sample = [answer.innerText.length, status.getAttribute('data-status')];
  const last = window.__answerSamples[window.__answerSamples.length - 1];
  if (!last || last[0] !== sample[0] || last[1] !== sample[1]) window.__answerSamples.push(sample);
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""

STREAMED = ("The first sentence of a long answer. The second sentence arrives later. A third one after that. "
            "And a closing line that ends the answer here.")


def test_sign_in_submit_and_watch_text_stream_with_a_tool_call_and_its_log(page: Page, site: Site, tmp_path: Path):
    page.add_init_script(RECORD_ANSWER)
    sign_in(page, site)
    plan = [{"title": "List the models on the Hub", "status": "in_progress"}, {"title": "Summarise", "status": "pending"}]
    done = [{**step, "status": "completed"} for step in plan]
    run_id = submit(page, script({"call": "plan", "arguments": {"steps": plan}},
                                 {"say": "Listing models.", "calls": [{"call": "hub_search", "arguments": {"limit": 50}}]},
                                 {"call": "plan", "arguments": {"steps": done}},
                                 {"say": STREAMED, "chunks": 12, "delay_ms": 120}, prompt="List the models."))
    wait_status(page, "completed")
    assert STREAMED in answer_text(page) and "Listing models." in answer_text(page)
    # The text grew in steps while the run was in progress, not in one piece at the end.
    samples = page.evaluate("window.__answerSamples")
    growing = sorted({length for length, status in samples if status == "in_progress" and length > 0})
    assert len(growing) >= 4, samples
    # The tool call: name, status, arguments, and its full output as a log (over 4 KB: streamed as tool_log).
    tool = page.locator("#timeline li.tool").filter(has_text="hub_search")
    expect(tool.locator("summary")).to_contain_text("completed")
    tool.locator("summary").click()
    expect(tool.locator("pre.args")).to_contain_text('"limit": 50')
    log = tool.locator("pre.log")
    expect(log).to_be_visible()
    assert len(log.inner_text()) > 4096 and "BAAI/bge-m3" in log.inner_text()
    expect(page.locator("#timeline li.llm").first).to_contain_text("tokens")
    # The plan as a checklist, at its latest state.
    expect(page.locator("#plan li")).to_have_text(["List the models on the Hub", "Summarise"])
    expect(page.locator("#plan li.completed")).to_have_count(2)
    expect(page.locator("#spend-label")).to_contain_text("of the session's $5.00 cap")
    page.screenshot(path=str(tmp_path / "run-completed.png"), full_page=True)
    # The run is listed on the home page, newest first, and links back here.
    page.get_by_role("link", name="ML Intern").click()
    newest = page.locator("#runs tbody tr").first
    expect(newest.get_by_role("link")).to_have_text(run_id)
    expect(newest).to_contain_text("completed")


def test_approve_a_paused_run_by_raising_the_cap_and_see_it_complete(page: Page, site: Site, tmp_path: Path):
    sign_in(page, site)
    submit(page, script({"say": "Done after the approval."}), max_cost=0.0001)
    wait_status(page, "incomplete")
    approval = page.get_by_role("region", name="Approval needed")
    expect(approval).to_be_visible()
    expect(approval).to_contain_text("model_call")
    page.screenshot(path=str(tmp_path / "run-paused.png"), full_page=True)
    page.get_by_label("New spend cap (USD)").fill("1")
    page.get_by_role("button", name="Raise cap and approve").click()
    wait_status(page, "completed")
    expect(page.locator("#answer")).to_have_text("Done after the approval.")
    expect(approval).to_be_hidden()
    expect(page.locator("#spend-label")).to_contain_text("$1.00 cap")


def test_deny_with_feedback_fails_the_run(page: Page, site: Site):
    sign_in(page, site)
    submit(page, script({"say": "never"}), max_cost=0.0001)
    wait_status(page, "incomplete")
    page.get_by_label("Feedback for the agent (sent with Deny)").fill("too expensive for today")
    page.get_by_role("button", name="Deny").click()
    wait_status(page, "failed")
    expect(page.locator("#run-failure")).to_contain_text("too expensive for today")


def test_cancel_a_running_run(page: Page, site: Site):
    sign_in(page, site)
    submit(page, script({"say": "Starting.", "calls": [{"call": "hub_search", "arguments": {"search": "bge"}}]},
                        {"hang_ms": 60_000}, {"say": "never"}))
    expect(page.locator("#answer")).to_contain_text("Starting.")
    wait_status(page, "in_progress")
    page.get_by_role("button", name="Cancel run").click()
    wait_status(page, "cancelled")
    expect(page.get_by_role("button", name="Cancel run")).to_be_hidden()
    assert "never" not in answer_text(page)


def test_reload_mid_run_and_replay_show_each_piece_once(page: Page, site: Site):
    sign_in(page, site)
    text = " ".join(f"Piece {n:02d} of the answer." for n in range(30))
    run_id = submit(page, script({"say": "Looking.", "calls": [{"call": "hub_search", "arguments": {"search": "bge"}}]},
                                 {"say": text, "chunks": 30, "delay_ms": 100}))
    expect(page.locator("#answer")).to_contain_text("Piece 03")
    assert "Piece 29" not in answer_text(page)
    page.reload()
    wait_status(page, "completed")
    for shown in (answer_text(page), _replayed(page)):
        assert shown.count("Piece 00 of the answer.") == 1 and shown.count("Piece 29 of the answer.") == 1
        assert shown.count("Looking.") == 1
        assert text in shown
        assert page.locator("#timeline li.tool").count() == 1
    assert page.url.endswith(run_id)


def _replayed(page: Page) -> str:
    page.reload()  # a finished run: the whole log replayed
    wait_status(page, "completed")
    return answer_text(page)


def test_a_dropped_stream_resumes_with_last_event_id_without_duplicates(page: Page, site: Site):
    text = " ".join(f"Part {n:02d}." for n in range(20))
    with httpx.Client(base_url=site.url, headers={"authorization": f"Bearer {ALICE}"}, timeout=60) as client:
        created = client.post("/v1/responses", json={"input": script({"say": text, "chunks": 20})}).json()
        assert created["status"] == "completed"
        frames = client.get(f"/v1/responses/{created['id']}/events").text.split("\n\n")
    # The first connection is cut in the middle of the answer: it carries only the first half of the frames.
    cut = [frame for frame in frames if frame.strip()][: len(frames) // 2]
    cut_after = json.loads(cut[-1].split("data: ", 1)[1])["sequence_number"]
    resumed_from: list[str | None] = []

    def cut_once(route) -> None:
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body="\n\n".join(cut) + "\n\n")

    page.on("request", lambda request: resumed_from.append(request.headers.get("last-event-id"))
            if request.url.endswith("/events") else None)
    page.route("**/events", cut_once, times=1)
    sign_in(page, site)
    page.goto(f"{site.url}/runs/{created['id']}")
    wait_status(page, "completed")
    assert resumed_from == ["-1", str(cut_after)]
    shown = answer_text(page)
    assert text in shown and shown.count("Part 00.") == 1 and shown.count("Part 19.") == 1


def test_markup_in_an_answer_renders_inert(page: Page, site: Site):
    sign_in(page, site)
    hostile = ("Safe **bold** text.\n\n<script>window.__pwned = 'script'</script>\n\n"
               "<img src=\"/nothing.png\" onerror=\"window.__pwned = 'img'\">\n\n"
               "[a link](javascript:window.__pwned='link') and <a href=\"https://huggingface.co\" "
               "onclick=\"window.__pwned='click'\">hf</a>\n\n<iframe src=\"/\"></iframe><style>body{display:none}</style>")
    submit(page, script({"say": hostile}))
    wait_status(page, "completed")
    answer = page.locator("#answer")
    expect(answer.locator("strong")).to_have_text("bold")
    assert answer.locator("script, iframe, style").count() == 0
    assert answer.locator("[onerror], [onclick]").count() == 0
    assert answer.locator("a[href^='javascript']").count() == 0
    # What is harmless stays: the image (without its handler, which failed to load), the https link.
    expect(answer.locator("img")).to_have_count(1)
    expect(answer.get_by_role("link", name="hf")).to_have_attribute("href", "https://huggingface.co")
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("body")).to_be_visible()


def test_token_is_never_in_a_url_the_html_or_the_server_log(page: Page, site: Site):
    sign_in(page, site)
    run_id = submit(page, script({"say": "A short answer."}))
    wait_status(page, "completed")
    # The token is held by the tab and sent as a header (the positive controls), and nowhere else.
    assert page.evaluate("sessionStorage.getItem('ml-intern-token')") == ALICE
    assert site.authorized_requests > 0
    assert site.request_urls and not [url for url in site.request_urls if ALICE in url]
    assert ALICE not in page.url and ALICE not in page.content()
    page.goto(site.url + "/")
    expect(page.get_by_role("heading", name="Your runs")).to_be_visible()
    assert ALICE not in page.content()
    assert page.context.cookies() == []
    log = site.log_path.read_text()
    assert f"/runs/{run_id}" in log and "/v1/responses" in log  # the access log is on: URLs are logged
    assert ALICE not in log


def test_follow_up_chains_with_previous_response_id_and_links_the_turns(page: Page, site: Site):
    sign_in(page, site)
    first = submit(page, script({"say": "First turn."}))
    wait_status(page, "completed")
    page.get_by_label("Continue this session (same context and budget)").fill(script({"say": "Second turn."}))
    page.get_by_role("button", name="Send follow-up").click()
    page.wait_for_url(lambda url: "/runs/resp_" in url and not url.endswith(first))
    wait_status(page, "completed")
    expect(page.locator("#answer")).to_have_text("Second turn.")
    second = page.url.rsplit("/", 1)[-1]
    with httpx.Client(base_url=site.url, headers={"authorization": f"Bearer {ALICE}"}, timeout=30) as client:
        assert client.get(f"/v1/responses/{second}").json()["previous_response_id"] == first
    page.get_by_role("link", name="turn 1").click()
    page.wait_for_url(f"**/runs/{first}")
    expect(page.locator("#answer")).to_have_text("First turn.")


def test_keyboard_only_on_a_phone_sized_screen(browser: Browser, site: Site, tmp_path: Path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    try:
        phone.goto(site.url + "/")
        # The token field has the focus; Enter submits the form.
        phone.keyboard.type(ALICE)
        phone.keyboard.press("Enter")
        expect(phone.get_by_role("heading", name="Your runs")).to_be_visible()
        expect(phone.locator("#runs tbody tr, #runs-empty:not([hidden])").first).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.get_by_label("Task", exact=True).focus()
        phone.keyboard.type(script({"say": "Small screen."}, prompt="Phone task."))
        phone.get_by_role("button", name="Start").focus()
        phone.keyboard.press("Enter")
        phone.wait_for_url("**/runs/resp_*")
        wait_status(phone, "completed")
        expect(phone.locator("#answer")).to_have_text("Small screen.")
        # One column, nothing wider than the screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    finally:
        context.close()


def test_the_page_reads_sse_as_the_spec_does(page: Page, site: Site):
    """The page's own parser (fetch streams arrive in arbitrary pieces): CR, LF and CRLF line ends, a CRLF split
    across two chunks, comments, multi-line data, and text holding U+2028 (not a line end in SSE)."""
    page.goto(site.url + "/")
    events = page.evaluate("""() => {
      const seen = [];
      const parser = new MLInternHttp.SseParser((event, id) => seen.push([id, event]));
      const chunks = [': keep-alive\\n', 'id: 1\\r\\nevent: a\\r', '\\ndata: {"n": 1,\\r\\ndata: "t": "x\\u2028y"}\\r',
                      '\\n\\r', '\\nid: 2\\rdata: {"n": 2}\\r\\r', 'id: 3\\ndata: {"n"', ': 3}\\n\\n'];
      chunks.forEach((chunk) => parser.push(chunk, false));
      parser.push('', true);
      return seen;
    }""")
    assert events == [["1", {"n": 1, "t": "x\u2028y"}], ["2", {"n": 2}], ["3", {"n": 3}]]
