"""The page in a real headless Chromium (Debian's ``chromium``, driven by Playwright; never a downloaded browser).

Against a real ``argo-warden serve`` process: the page loads and asks for a token;
a wrong token is refused; a broken workflow shows its error on the right line; the
seed workflow, submitted from the playground and answered from its recorded
responses (each delayed a little, so the run can be watched), turns its nodes
Running and then Succeeded live from the event stream. Screenshots go to
``$ARGO_WARDEN_UI_ARTIFACTS`` (or a temporary directory, printed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.admission.conftest import free_port
from tests.ui.conftest import EXAMPLES, ROOT

CHROMIUM = os.environ.get("ARGO_WARDEN_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")

TOKEN = "alice-token-0123456789"
# What Chromium needs to run headless as root in a container, and nothing that reaches the network by itself.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STEP_DELAY = "1200ms"
BROKEN = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: broken-
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: a
            template: nope
"""


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("ARGO_WARDEN_UI_ARTIFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("ui-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {path}")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``argo-warden serve`` with a token file and the seed's recorded responses, each answered after a delay."""
    directory = tmp_path_factory.mktemp("ui-server")
    tokens = directory / "tokens.yaml"
    tokens.write_text(yaml.safe_dump([{"token": TOKEN, "user": "alice", "namespaces": ["argo"]}]))
    recorded = yaml.safe_load((EXAMPLES / "seed-responses.yaml").read_text())
    for answer in recorded["responses"]:
        answer["delay"] = STEP_DELAY
    responses = directory / "responses.yaml"
    responses.write_text(yaml.safe_dump(recorded))
    port = free_port()
    log = (directory / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "webhook", "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port),
         "--tokens", str(tokens), "--responses", str(responses), "--data-dir", str(directory / "data")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("serve did not start: " + (directory / "serve.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 760}, color_scheme="light")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(context: Any, server: str) -> Iterator[Any]:
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "401" not in message.text else None)
    leaked: list[str] = []
    page.on("request", lambda request: leaked.append(request.url) if TOKEN in request.url else None)
    page.goto(server + "/ui/")
    yield page
    page.close()
    assert not leaked, f"the token went into a URL: {leaked}"
    assert not problems, problems


def sign_in(page: Any, token: str = TOKEN) -> None:
    page.fill("#token-input", token)
    page.press("#token-input", "Enter")


def test_the_page_loads_and_asks_for_a_token(page: Any, artifacts: Path) -> None:
    assert page.title() == "argo-warden"
    assert page.locator("#token-state").inner_text() == "Paste the REST API token to start."
    assert page.evaluate("document.activeElement.id") == "token-input"
    assert page.locator("#page-playground").is_visible()
    page.screenshot(path=str(artifacts / "loaded.png"))


def test_a_wrong_token_is_refused_and_the_right_one_accepted(page: Any, artifacts: Path) -> None:
    sign_in(page, "wrong-token-0000000000")
    page.wait_for_selector("#token-state.bad")
    assert page.locator("#token-state").inner_text() == "Token refused: token not valid"
    assert page.evaluate("sessionStorage.getItem('argo-warden.token')") is None
    page.screenshot(path=str(artifacts / "wrong-token.png"))
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in as alice')")
    assert page.evaluate("sessionStorage.getItem('argo-warden.token')") == TOKEN
    assert page.input_value("#token-input") == ""


def test_a_broken_workflow_shows_its_error_on_the_right_line(page: Any, artifacts: Path) -> None:
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in')")
    page.fill("#source", BROKEN)
    item = page.wait_for_selector("#diagnostics button.error")
    assert "AW209 line 12:23" in item.inner_text()
    assert "names template 'nope', which is not defined" in item.inner_text()
    assert page.locator("#lint-summary").inner_text() == "1 error, 0 warnings"
    # The gutter marks line 12 and the backdrop highlights the offending span on it.
    assert page.locator("#gutter span.error").all_inner_texts() == ["12"]
    assert page.locator("#backdrop mark.error").all_inner_texts() == ["nope"]
    assert page.locator("#backdrop mark.error").get_attribute("data-line") == "12"
    # The graph shows the task, marked as calling a template that does not exist.
    page.wait_for_selector("#playground-graph .node.kind-missing")
    # From the list, the keyboard goes to the span.
    item.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "source"
    selected = page.evaluate("(() => { const s = document.getElementById('source');"
                             " return s.value.slice(s.selectionStart, s.selectionEnd); })()")
    assert selected == "nope"
    page.screenshot(path=str(artifacts / "playground-broken-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "playground-broken-dark.png"))


def test_the_successcondition_box_evaluates_against_a_sample_response(page: Any) -> None:
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in')")
    page.click("#eval-run")
    page.wait_for_selector("#eval-result.true")
    page.fill("#eval-status", "500")
    page.click("#eval-run")
    page.wait_for_selector("#eval-result.false")
    assert "Argo: the step Failed" in page.locator("#eval-result").inner_text()
    page.fill("#eval-status", "200")
    page.fill("#eval-condition", 'response.statusCode == "200"')
    page.click("#eval-run")
    page.wait_for_selector("#eval-result.false")
    assert "error[AW603]: always false in Argo" in page.locator("#eval-result").inner_text()
    page.fill("#eval-condition", "response.statusCode ==")
    page.click("#eval-run")
    page.wait_for_selector("#eval-result.bad")
    assert "the condition does not parse" in page.locator("#eval-result").inner_text()


def test_the_seed_submitted_turns_its_nodes_succeeded_live(page: Any, artifacts: Path) -> None:
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in')")
    page.fill("#source", (EXAMPLES / "seed.yaml").read_text())
    page.wait_for_selector("#playground-graph .node.kind-http >> text=GET http://example.com/api/data")
    page.screenshot(path=str(artifacts / "playground-seed-light.png"))
    # A node of the playground's graph hands its successCondition to the condition box.
    page.click("#playground-graph button.node:has-text('get-data')")
    assert page.input_value("#eval-condition") == "status_code == 200"
    assert page.evaluate("document.activeElement.id") == "eval-condition"
    page.click("#submit-run")
    page.wait_for_selector("#page-run:not([hidden])")
    assert page.url.split("#", 1)[1].startswith("/runs/argo/http-example-")
    seen: dict[str, list[str]] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        phases = page.evaluate("Array.from(document.querySelectorAll('#run-graph .node'),"
                               " b => [b.querySelector('.name').textContent, b.dataset.phase || ''])")
        for name, phase in phases:
            if not seen.get(name) or seen[name][-1] != phase:
                seen.setdefault(name, []).append(phase)
        if page.locator("#run-phase").inner_text() == "Succeeded" and \
                all(seen.get(n, [""])[-1] == "Succeeded" for n in ("get-data", "process-data")):
            break
        if seen.get("get-data", [""])[-1] == "Running" and "running.png" not in os.listdir(artifacts):
            page.screenshot(path=str(artifacts / "running.png"))
        time.sleep(0.1)
    # Watched as it happened: each HTTP node was Running before it Succeeded, without reloading the page.
    assert seen["get-data"][-2:] == ["Running", "Succeeded"], seen
    assert seen["process-data"][-1] == "Succeeded" and "Running" in seen["process-data"], seen
    assert page.locator("#run-live").inner_text() == "live"
    assert page.locator("#run-stop").is_disabled() and page.locator("#run-retry").is_disabled()
    # A node's inputs, result and timings, reached with the keyboard.
    page.focus("#run-graph button.node:has-text('process-data')")
    assert page.evaluate("document.activeElement.dataset.id")
    page.keyboard.press("Enter")
    details = page.locator("#node-details")
    page.wait_for_selector("#node-details .result")
    assert "job-4711" in details.locator(".result").inner_text()
    assert "input data" in details.inner_text() and "Duration" in details.inner_text()
    page.screenshot(path=str(artifacts / "run-succeeded-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "run-succeeded-dark.png"))
    # The run in the list, filtered by phase.
    page.goto(page.url.split("#", 1)[0] + "#/runs")
    page.wait_for_selector("#runs-body tr >> text=http-example-")
    page.select_option("#runs-phase", "Failed")
    page.click("#runs-filter button[type=submit]")
    page.wait_for_selector("#runs-state:has-text('no workflows')")
    page.select_option("#runs-phase", "Succeeded")
    page.click("#runs-filter button[type=submit]")
    page.wait_for_selector("#runs-body tr >> text=http-example-")
    page.screenshot(path=str(artifacts / "runs-dark.png"))


APPROVAL = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "approval-"},
    "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "dag": {"tasks": [
            {"name": "approve", "template": "gate"},
            {"name": "fetch", "template": "get", "dependencies": ["approve"]}]}},
        {"name": "gate", "suspend": {}},
        {"name": "get", "http": {"url": "http://example.com/api/data", "method": "GET",
                                 "successCondition": "response.statusCode == 200"}},
    ]},
}


def create(server: str, workflow: dict[str, Any]) -> str:
    body = json.dumps({"workflow": workflow}).encode()
    request = urllib.request.Request(server + "/api/v1/workflows/argo", data=body,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        name: str = json.loads(response.read())["metadata"]["name"]
        return name


def phase_of(page: Any, node: str) -> str:
    value: str = page.locator(f"#run-graph button.node:has-text('{node}')").get_attribute("data-phase") or ""
    return value


def test_stop_retry_and_resume_from_the_run_page(page: Any, server: str, artifacts: Path) -> None:
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in')")
    name = create(server, APPROVAL)
    page.goto(f"{server}/ui/#/runs/argo/{name}")
    page.wait_for_selector("#run-graph button.node[data-phase=Running]:has-text('approve')")
    assert page.locator("#run-resume").is_enabled() and page.locator("#run-stop").is_enabled()
    assert page.locator("#run-retry").is_disabled()
    page.screenshot(path=str(artifacts / "run-suspended.png"))
    page.click("#run-stop")
    try:
        page.wait_for_selector("#run-phase.Failed")
    except sync_api.TimeoutError:
        raise AssertionError(f"not Failed after stop: phase {page.locator('#run-phase').inner_text()!r}, "
                             f"stream {page.locator('#run-live').inner_text()!r}, "
                             f"notice {page.locator('#notice').inner_text()!r}") from None
    page.wait_for_selector("#run-retry:enabled")
    page.click("#run-retry")
    page.wait_for_selector("#run-phase.Running")
    page.wait_for_selector("#run-graph button.node[data-phase=Running]:has-text('approve')")
    page.wait_for_selector("#run-resume:enabled")
    page.click("#run-resume")
    page.wait_for_selector("#run-phase.Succeeded")
    assert phase_of(page, "approve") == "Succeeded" and phase_of(page, "fetch") == "Succeeded"
    assert page.locator("#notice").is_hidden()


def test_the_keyboard_reaches_everything_in_reading_order(page: Any) -> None:
    sign_in(page)
    page.wait_for_selector("#token-state:has-text('Signed in')")
    page.fill("#source", (EXAMPLES / "seed.yaml").read_text())
    page.wait_for_selector("#playground-graph button.node:has-text('process-data')")
    page.wait_for_selector("#diagnostics button")
    page.focus("#token-input")
    order: list[str] = []
    for _ in range(24):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(() => { const e = document.activeElement;"
                                   " return e.id || (e.classList.contains('node') ? 'node:' +"
                                   " e.querySelector('.name').textContent : e.tagName + '.' + e.className); })()"))
    assert order[:11] == ["token-save", "token-forget", "file-input", "namespace-input", "submit-run", "source",
                          "eval-condition", "eval-status", "eval-headers", "eval-body", "eval-run"]
    rest = order[11:]
    diagnostics = [i for i, name in enumerate(rest) if name == "BUTTON.warning"]
    nodes = [name for name in rest if name.startswith("node:")]
    assert len(diagnostics) == 3 and nodes == ["node:main", "node:get-data", "node:process-data"]
    assert max(diagnostics) < rest.index("node:main")
    # Every control the keyboard reached says what it is to a screen reader.
    unnamed = page.evaluate("Array.from(document.querySelectorAll('button, input, select, textarea'))"
                            ".filter(e => e.offsetParent !== null && !(e.labels && e.labels.length) &&"
                            " !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.outerHTML)")
    assert unnamed == []
