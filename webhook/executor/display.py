"""How ``argo-warden run`` shows a run: a live tree on a terminal, one line per finished node otherwise.

Rows carry the node's name, template, phase, duration and message. The tree
follows how the run was called (each node under the template invocation that
made it), which for a DAG is not Argo's dependency graph but reads as an outline.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from webhook.executor.durations import format_duration
from webhook.executor.nodes import Node, NodeType, Phase

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from webhook.executor.engine import RunResult, WorkflowRun

PHASE_STYLE = {
    Phase.PENDING: "dim", Phase.RUNNING: "bold cyan", Phase.SUCCEEDED: "green", Phase.FAILED: "bold red",
    Phase.ERROR: "bold red", Phase.SKIPPED: "yellow", Phase.OMITTED: "dim",
}
PHASE_MARK = {
    Phase.PENDING: "◷", Phase.RUNNING: "●", Phase.SUCCEEDED: "✔", Phase.FAILED: "✖", Phase.ERROR: "⚠",
    Phase.SKIPPED: "○", Phase.OMITTED: "○",
}
# Structural nodes say nothing a reader needs on their own line in plain output.
_QUIET_TYPES = (NodeType.STEP_GROUP,)
MESSAGE_WIDTH = 200
LIVE_ROWS = 60


def _clip(text: str, width: int = MESSAGE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _duration(node: Node) -> str:
    seconds = node.duration
    return format_duration(seconds) if seconds is not None else ""


def plain_line(node: Node) -> str:
    parts = [f"{node.phase!s:<9}", node.name]
    if node.template_name:
        parts.append(f"({node.template_name})")
    duration = _duration(node)
    if duration and node.type is not NodeType.SKIPPED:
        parts.append(duration)
    if node.message:
        parts.append(_clip(node.message))
    return "  ".join(parts)


def summary_line(result: RunResult) -> str:
    duration = ""
    if result.started_at is not None and result.finished_at is not None:
        duration = f" in {format_duration((result.finished_at - result.started_at).total_seconds())}"
    counts: dict[str, int] = {}
    for node in result.nodes.values():
        if node.type in (NodeType.HTTP, NodeType.PLUGIN):
            counts[str(node.phase)] = counts.get(str(node.phase), 0) + 1
    steps = ", ".join(f"{n} {phase.lower()}" for phase, n in sorted(counts.items()))
    tail = f" ({steps} HTTP requests)" if steps else ""
    message = f": {_clip(result.message)}" if result.message else ""
    return f"Workflow {result.name} {result.phase}{duration}{tail}{message}"


class PlainView:
    """One line per node as it finishes (structural nodes skipped); a summary at the end."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def start(self, run: WorkflowRun) -> None:
        wf = run.workflow
        print(f"Running {wf.name} (namespace {wf.namespace}, uid {wf.uid})", file=self.stream, flush=True)

    def node(self, node: Node) -> None:
        if node.phase.fulfilled and node.type not in _QUIET_TYPES:
            print(plain_line(node), file=self.stream, flush=True)

    def finish(self, result: RunResult) -> None:
        print(summary_line(result), file=self.stream, flush=True)


class TreeView:
    """A live tree on a terminal (rich), redrawn as nodes change; the full tree stays on screen at the end."""

    def __init__(self, console: Console | None = None, *, color: bool = True) -> None:
        from rich.console import Console

        self.console = console or Console(no_color=not color, highlight=False)
        self._live: Live | None = None
        self._run: WorkflowRun | None = None

    def start(self, run: WorkflowRun) -> None:
        from rich.live import Live

        self._run = run
        self._live = Live(self._render(limit=LIVE_ROWS), console=self.console, refresh_per_second=8,
                          transient=True, get_renderable=lambda: self._render(limit=LIVE_ROWS))
        self._live.start()

    def node(self, node: Node) -> None:
        return None  # the live display pulls the current state on each refresh

    def finish(self, result: RunResult) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self.console.print(render_tree(result.nodes.values(), result.name))
        style = "green" if result.phase is Phase.SUCCEEDED else "bold red"
        self.console.print(summary_line(result), style=style, markup=False)

    def _render(self, limit: int | None = None) -> RenderableType:
        if self._run is None:
            from rich.text import Text

            return Text("")
        return render_tree(list(self._run.nodes.values()), self._run.name, limit=limit)


def render_tree(nodes: Iterable[Node], title: str, limit: int | None = None) -> RenderableType:
    """The nodes as a rich Tree; with ``limit``, finished subtrees beyond the last ``limit`` rows are folded."""
    from rich.text import Text
    from rich.tree import Tree

    all_nodes = list(nodes)
    children: dict[str | None, list[Node]] = {}
    for node in all_nodes:
        children.setdefault(node.parent_id, []).append(node)
    tree = Tree(Text(title, style="bold"))
    hidden = max(0, len(all_nodes) - limit) if limit is not None else 0

    def add(branch: Any, parent_id: str | None) -> None:
        nonlocal hidden
        for node in children.get(parent_id, []):
            if hidden and node.phase.fulfilled and not children.get(node.id):
                hidden -= 1
                continue
            add(branch.add(_row(node)), node.id)

    add(tree, None)
    return tree


def _row(node: Node) -> Any:
    from rich.text import Text

    row = Text()
    row.append(f"{PHASE_MARK[node.phase]} ", style=PHASE_STYLE[node.phase])
    row.append(node.display_name, style="bold" if node.type in (NodeType.HTTP, NodeType.PLUGIN) else "")
    if node.template_name:
        row.append(f"  {node.template_name}", style="dim")
    row.append(f"  {node.phase}", style=PHASE_STYLE[node.phase])
    duration = _duration(node)
    if duration and node.type is not NodeType.SKIPPED:
        row.append(f"  {duration}", style="dim")
    if node.message:
        row.append(f"  {_clip(node.message, 160)}", style="red" if node.phase.failed_or_error else "")
    return row
