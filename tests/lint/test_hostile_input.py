"""Hostile and unusual input: every case gets a clear message, no traceback, in bounded time (and memory for bombs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, CliRunner
from tests.lint.casefiles import Expected, all_cases
from webhook.lint import LintOptions, lint_sources
from webhook.loading import iter_source_paths, load_bytes, load_text

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: typo
spec:
  entrypoint: mian
  templates:
  - name: main
    container:
      image: alpine:3.19
"""
# Where WORKFLOW's one mistake is reported: the value of spec.entrypoint.
TYPO_AT = ("AW201", 6, 15)
# Generous bounds for a loaded 2-core machine; a hang or a quadratic blow-up is far beyond them.
SECONDS = 5.0
MEGABYTES = 60

# Runs the lint in a fresh interpreter and reports what it found, how long it took and how much
# its peak memory grew after the imports (ru_maxrss is in KiB on Linux).
_MEASURE = """
import json, resource, sys, time
from webhook.lint import LintOptions, lint_paths
from webhook.validation import validate
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = lint_paths([sys.argv[1]], LintOptions(search_repository=False))
seconds = time.perf_counter() - start
growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "growth_mb": growth / 1024,
                  "diagnostics": [[d.code, d.line, d.column, d.message, d.hint] for d in result.diagnostics]}))
"""


def measure(path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def codes(text: str) -> list[tuple[str, int | None, int | None]]:
    result = lint_sources([load_text(text, "t.yaml")], LintOptions(search_repository=False))
    return [(d.code, d.line, d.column) for d in result.diagnostics]


def lint_cli(cli: CliRunner, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    start = time.monotonic()
    proc = cli("lint", "--no-color", *args, input=input)
    assert time.monotonic() - start < SECONDS + 2
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


# ---------------------------------------------------------------- empty, binary, encodings


def test_empty_and_comment_only_files(cli: CliRunner, tmp_path: Path) -> None:
    for name, content in [("empty.yaml", ""), ("comments.yaml", "# nothing\n# here\n"),
                          ("separators.yaml", "---\n# only\n---\n...\n"), ("blank.yaml", "\n\n   \n")]:
        (tmp_path / name).write_text(content, encoding="utf-8")
        proc = lint_cli(cli, str(tmp_path / name))
        assert proc.returncode == 0, proc.stdout
        assert f"{tmp_path / name}: info[AW009]: the file holds no YAML document" in proc.stdout


def test_binary_file(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    proc = lint_cli(cli, str(path))
    assert proc.returncode == 2  # an input error: the file could not be read as text
    assert f"{path}: error[AW002]: binary file (contains NUL bytes)" in proc.stdout


def test_not_utf8(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(WORKFLOW.replace("name: typo", "name: caf\xe9").encode("latin-1"))
    proc = lint_cli(cli, str(path))
    assert proc.returncode == 2
    assert f"{path}:4:12: error[AW002]: not UTF-8: byte 0xe9 at offset" in proc.stdout
    assert "hint: save the file as UTF-8" in proc.stdout


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_byte_order_marks_keep_positions(encoding: str) -> None:
    if encoding.endswith("-bom"):
        codec = encoding[: -len("-bom")]
        raw = ("\ufeff" + WORKFLOW).encode(codec)
    else:
        raw = WORKFLOW.encode(encoding)
    source = load_bytes(raw, "t.yaml")
    result = lint_sources([source], LintOptions(search_repository=False))
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [TYPO_AT]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(codec: str) -> None:
    source = load_bytes(WORKFLOW.encode(codec), "t.yaml")
    assert [(d.code, d.message) for d in source.diagnostics] == [("AW002", "UTF-16 text without a byte-order mark")]


def _variants(case: Expected) -> list[tuple[str, bytes]]:
    raw = case.path.read_bytes()
    return [("crlf", raw.replace(b"\n", b"\r\n")), ("bom", b"\xef\xbb\xbf" + raw),
            ("utf-16", raw.decode("utf-8").encode("utf-16"))]


def test_crlf_bom_and_utf16_keep_every_case_in_place() -> None:
    """Every broken-manifest case, rewritten with CRLF line ends, a BOM or as UTF-16: same code, line and column."""
    cases = all_cases()
    for case in cases:
        for variant, raw in _variants(case):
            source = load_bytes(raw, str(case.path))
            result = lint_sources([source], LintOptions(search_repository=False))
            got = [(d.code, d.line, d.column) for d in result.diagnostics]
            assert got == [(case.code, case.line, case.column)], (case.id, variant, result.diagnostics)
            if case.length is not None:
                assert result.diagnostics[0].length == case.length, (case.id, variant)


def test_crlf_source_line_is_shown_without_carriage_return(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(WORKFLOW.replace("\n", "\r\n").encode())
    proc = lint_cli(cli, str(path))
    assert "6 |   entrypoint: mian\n" in proc.stdout and "\r" not in proc.stdout


def test_tabs(cli: CliRunner, tmp_path: Path) -> None:
    # A tab as separation after ':' is YAML; the caret still lands on the value.
    assert codes(WORKFLOW.replace("entrypoint: mian", "entrypoint:\tmian")) == [TYPO_AT]
    # A tab used for indentation is not YAML: one clear error where it stands.
    path = tmp_path / "tabs.yaml"
    path.write_text(WORKFLOW.replace("  entrypoint", "\tentrypoint"), encoding="utf-8")
    proc = lint_cli(cli, str(path))
    assert proc.returncode == 1
    assert f"{path}:6:1: error[AW001]: found character that cannot start any token" in proc.stdout
    assert "hint: YAML does not allow tabs for indentation; indent with spaces" in proc.stdout


# ---------------------------------------------------------------- size, depth, aliases


def test_ten_megabyte_file(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    filler = "# " + "x" * 97 + "\n"
    path.write_text(WORKFLOW + filler * ((10 * 1024 * 1024 - len(WORKFLOW)) // len(filler) + 1), encoding="utf-8")
    assert 10.0 <= path.stat().st_size / 1048576 < 10.05
    proc = lint_cli(cli, str(path))
    assert proc.returncode == 2
    assert f"{path}: error[AW003]: file is 10.0 MiB; the limit is 8 MiB" in proc.stdout
    assert "hint: Kubernetes objects cannot exceed 1.5 MiB; split the file" in proc.stdout
    with path.open(encoding="utf-8") as fh:
        piped = lint_cli(cli, "-", input=fh.read())
    assert piped.returncode == 2
    assert "<stdin>: error[AW003]: input is larger than the limit of 8 MiB" in piped.stdout
    # The limit is a flag, and small limits read as such.
    small = lint_cli(cli, str(path), "--max-bytes", "1000")
    assert small.returncode == 2
    assert f"{path}: error[AW003]: file is 10.0 MiB; the limit is 1000 bytes" in small.stdout


def _deep_flow(depth: int) -> str:
    return "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: deep\nspec:\n  entrypoint: " \
        + "[" * depth + "]" * depth + "\n"


def _deep_block(depth: int) -> str:
    # Compact block sequences ("- - - x") nest one level per two characters.
    return "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: deep\nspec:\n  templates:\n  " \
        + "- " * depth + "x\n"


def _deep_json(depth: int) -> str:
    return '{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": ' + '{"a": ' * depth + "1" \
        + "}" * depth + "}\n"


@pytest.mark.parametrize(("name", "text"), [
    ("flow.yaml", _deep_flow(10_000)), ("block.yaml", _deep_block(10_000)), ("deep.json", _deep_json(10_000)),
])
def test_ten_thousand_deep_nesting(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = measure(path)
    assert [d[0] for d in out["diagnostics"]] == ["AW004"]
    _, line, column, message, _ = out["diagnostics"][0]
    assert message == "nesting deeper than 100 levels" and line is not None and column is not None
    assert out["seconds"] < SECONDS and out["growth_mb"] < MEGABYTES, out


def _billion_laughs() -> str:
    lines = ['apiVersion: argoproj.io/v1alpha1', 'kind: Workflow', 'metadata:', '  name: lol', 'spec:',
             '  arguments:', '    parameters:', '    - name: lol', '      value: &a ["lol","lol","lol","lol","lol",'
             '"lol","lol","lol","lol","lol"]']
    previous = "a"
    for anchor in "bcdefghi":
        lines.append(f"    - name: {anchor}\n      value: &{anchor} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = anchor
    return "\n".join(lines) + "\n"


def test_billion_laughs(tmp_path: Path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(_billion_laughs(), encoding="utf-8")
    assert path.stat().st_size < 2000
    out = measure(path)
    assert [d[0] for d in out["diagnostics"]] == ["AW005"], out["diagnostics"]
    _, line, column, message, hint = out["diagnostics"][0]
    assert message == "document expands to more than 1,000,000 nodes" and "billion laughs" in hint
    # The caret stands on the alias that crosses the limit.
    assert path.read_text(encoding="utf-8").splitlines()[line - 1][column - 1] == "*"
    assert out["seconds"] < SECONDS and out["growth_mb"] < MEGABYTES, out


def test_aliases_below_the_limit_are_expanded_and_checked(tmp_path: Path) -> None:
    """Half a million nodes through aliases in withItems: accepted, checked, still bounded."""
    lines = ["apiVersion: argoproj.io/v1alpha1", "kind: Workflow", "metadata:", "  name: wide", "spec:",
             "  entrypoint: main", "  templates:", "  - name: main", "    steps:", "    - - name: s",
             "        template: echo", "        withItems:", '        - &a ["x","x","x","x","x","x","x","x","x"]']
    previous = "a"
    for anchor in "bcdef":
        lines.append(f"        - &{anchor} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = anchor
    lines += ["  - name: echo", "    container:", "      image: alpine:3.19", "      args: ['{{item.nope}}']"]
    path = tmp_path / "wide.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = measure(path)
    # The one mistake is found ({{item}} used in a template that has no loop of its own).
    assert [d[0] for d in out["diagnostics"]] == ["AW405"]
    assert out["seconds"] < SECONDS and out["growth_mb"] < 4 * MEGABYTES, out


# ---------------------------------------------------------------- duplicate keys, merge keys


def test_duplicate_keys_warn_naming_both_lines(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(WORKFLOW.replace("entrypoint: mian", "entrypoint: main") + "  entrypoint: main\n"
                    + "  arguments: {parameters: [{name: a, value: '1', value: '2'}]}\n", encoding="utf-8")
    proc = lint_cli(cli, str(path))
    assert proc.returncode == 0, proc.stdout
    assert f"{path}:11:3: warning[AW006]: duplicate key 'entrypoint' (also on line 6); the last one wins" in proc.stdout
    column = path.read_text(encoding="utf-8").splitlines()[11].rindex("value") + 1
    assert f"{path}:12:{column}: warning[AW006]: duplicate key 'value' (also on line 12); the last one wins" \
        in proc.stdout


def test_merge_keys() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: merged
spec:
  entrypoint: main
  templates:
  - name: base
    container: &defaults
      image: alpine:3.19
      command: [sh, -c]
  - name: main
    inputs:
      parameters:
      - {name: message, value: hi}
    container:
      <<: [*defaults, {args: ["echo {{inputs.parameters.mesage}}"]}]
      image: alpine:3.20
"""
    source = load_text(text, "m.yaml")
    assert not source.diagnostics
    container = source.documents[0].data["spec"]["templates"][1]["container"]
    # Explicit keys win over merged ones; merged keys arrive from every source.
    assert container == {"image": "alpine:3.20", "command": ["sh", "-c"],
                         "args": ["echo {{inputs.parameters.mesage}}"]}
    result = lint_sources([source], LintOptions(search_repository=False))
    got = {(d.code, d.path, d.line) for d in result.diagnostics}
    # The undeclared input read through the merge is reported, at the merge; 'base' is only merged, never run.
    assert got == {("AW402", "spec.templates[1].container.args[0]", 17), ("AW236", "spec.templates[0].name", 8)}
    # Merging something that is not a mapping is an error with a position, not a crash.
    bad = load_text("a: &x [1]\nb:\n  <<: *x\n", "m.yaml")
    assert [(d.code, d.line, d.column) for d in bad.diagnostics] == [("AW001", 3, 7)]


# ---------------------------------------------------------------- several files, stdin, directories, JSON


def test_broken_yaml_in_one_file_the_others_are_still_checked(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text("spec: [unclosed\n  entrypoint: x\n", encoding="utf-8")
    (tmp_path / "b-typo.yaml").write_text(WORKFLOW, encoding="utf-8")
    proc = lint_cli(cli, str(tmp_path), "-o", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    got = [(Path(d["file"]).name, d["code"], d["line"]) for d in data["diagnostics"]]
    assert got == [("a-broken.yaml", "AW001", 2), ("b-typo.yaml", "AW201", 6)]
    assert data["summary"]["files"] == 2 and data["summary"]["documents"] == 1


def test_broken_second_document_keeps_the_first(tmp_path: Path) -> None:
    source = load_text(WORKFLOW + "---\nkind: [\n", "two.yaml")
    assert len(source.documents) == 1
    assert [(d.code, d.line, d.document) for d in source.diagnostics] == [("AW001", 13, 1)]


def test_stdin(cli: CliRunner) -> None:
    proc = lint_cli(cli, "-", input=WORKFLOW)
    assert proc.returncode == 1
    assert "<stdin>:6:15: error[AW201]" in proc.stdout and "6 |   entrypoint: mian" in proc.stdout
    assert lint_cli(cli, "-", input="").returncode == 0
    broken = lint_cli(cli, "-", input="a: [\n")
    assert broken.returncode == 1 and "<stdin>:2:1: error[AW001]" in broken.stdout


def test_directories_are_walked_for_yaml_yml_and_json(tmp_path: Path) -> None:
    for rel in ["a.yaml", "b.yml", "c.json", "notes.txt", "x.yaml.bak", ".hidden/d.yaml", "sub/e.yaml",
                "sub/.git/f.yaml", "sub/deeper/g.YAML", "node/.cache/h.yml"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n", encoding="utf-8")
    os.mkfifo(tmp_path / "sub" / "pipe.yaml")
    found = [os.path.relpath(p, tmp_path) for p in iter_source_paths([str(tmp_path)])]
    assert found == ["a.yaml", "b.yml", "c.json", os.path.join("sub", "e.yaml")]
    # A file named directly is read whatever its extension; '-' is stdin.
    assert list(iter_source_paths([str(tmp_path / "notes.txt"), "-"])) == [str(tmp_path / "notes.txt"), "-"]


def test_json_input_positions(cli: CliRunner, tmp_path: Path) -> None:
    document = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "j"},
                "spec": {"entrypoint": "mian", "templates": [{"name": "main", "container": {"image": "a"}}]}}
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(document, indent=2), encoding="utf-8")
    line = next(i for i, ln in enumerate(pretty.read_text().splitlines(), 1) if '"entrypoint"' in ln)
    proc = lint_cli(cli, str(pretty))
    assert f"{pretty}:{line}:19: error[AW201]" in proc.stdout
    minified = tmp_path / "min.json"
    minified.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    column = minified.read_text().index('"mian"') + 1
    assert f"{minified}:1:{column}: error[AW201]" in lint_cli(cli, str(minified)).stdout
    # JSON with tabs for indentation (not YAML in block context) is still read.
    tabbed = tmp_path / "tabs.json"
    tabbed.write_text(json.dumps(document, indent="\t"), encoding="utf-8")
    assert "error[AW201]" in lint_cli(cli, str(tabbed)).stdout


def test_unreadable_file(cli: CliRunner, tmp_path: Path) -> None:
    proc = lint_cli(cli, "/proc/self/mem")
    assert proc.returncode == 2
    assert "/proc/self/mem: error[AW007]: cannot read: " in proc.stdout
    dangling = tmp_path / "gone.yaml"
    dangling.symlink_to(tmp_path / "nowhere.yaml")
    proc = lint_cli(cli, str(dangling))
    assert proc.returncode == 2 and "no such file or directory" in proc.stderr


def test_an_empty_directory_is_nothing_to_lint(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not YAML\n", encoding="utf-8")
    proc = lint_cli(cli, str(tmp_path))
    assert proc.returncode == 1
    assert "argo-warden lint: nothing to lint: no YAML or JSON file among the paths given" in proc.stderr


def test_kinds_that_filter_every_document_out_is_nothing_to_lint(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW, encoding="utf-8")
    proc = lint_cli(cli, str(tmp_path), "--kinds", "CronWorkflow")
    assert proc.returncode == 1
    assert "nothing to lint: --kinds CronWorkflow matched none of the 1 Argo documents read" in proc.stderr
    assert lint_cli(cli, str(tmp_path), "--kinds", "Workflow").returncode == 1  # the typo in WORKFLOW


def test_no_argo_document_at_all(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n- a\n- b\n",
                                      encoding="utf-8")
    proc = lint_cli(cli, str(tmp_path))
    assert proc.returncode == 0
    assert "argo-warden: info[AW010]: no Argo document among the 2 documents read" in proc.stdout
    assert "(0 Argo documents checked, 2 other skipped)" in proc.stdout


# ---------------------------------------------------------------- anything at all


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    result = lint_sources([load_bytes(raw, "x.yaml")], LintOptions(search_repository=False))
    assert all(d.message for d in result.diagnostics)


_YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,?\n\t \\=.{}<")), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAMLISH)
def test_yaml_punctuation_soup_never_raises(text: str) -> None:
    result = lint_sources([load_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + text, "x.yaml")],
                          LintOptions(search_repository=False))
    for d in result.diagnostics:
        assert d.message and (d.line is None or d.line >= 1) and (d.column is None or d.column >= 1)
