"""Place a graph's nodes in layers with igraph's Sugiyama layout; coordinates in CSS pixels for the page.

igraph (a maintained C library with wheels for every common platform) ranks the
nodes, breaks cycles, orders each layer to reduce crossings and routes long
edges through control points; this module only scales its unit grid to boxes of
a fixed size, so the page draws nodes as buttons and edges as SVG polylines.
"""

from __future__ import annotations

from typing import Any

import igraph

from webhook.ui.graph import Graph, Node

NODE_WIDTH, NODE_HEIGHT = 236, 52
GROUP_SIZE = 18  # a step group's junction
NOTE_HEIGHT = 16  # a third line, for a node's `depends` or `when`
H_GAP, V_GAP = 36, 64
MARGIN = 24
# Crossing reduction sweeps: igraph's default; bounded, so a graph's layout time follows its size.
MAX_ITERATIONS = 100


def _size(node: Node) -> tuple[int, int]:
    if node.kind == "group":
        return GROUP_SIZE, GROUP_SIZE
    return NODE_WIDTH, NODE_HEIGHT + (NOTE_HEIGHT if node.note else 0)


def lay_out(graph: Graph) -> dict[str, Any]:
    """``{"nodes": [... x, y, width, height], "edges": [... points, label], "width", "height", "omitted"}``.

    ``x``/``y`` are a node's top-left corner; an edge's ``points`` run from the
    bottom of its source to the top of its target. Nodes are listed top to bottom,
    left to right, which is the order the page gives keyboard focus.
    """
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    edges = [(index[e.source], index[e.target]) for e in graph.edges]
    g = igraph.Graph(n=len(graph.nodes), edges=edges, directed=True)
    # Cycles (a workflow the linter refuses, drawn all the same) are broken here, with igraph's linear
    # heuristic, so that every edge igraph routes is one of ours in its own direction; the rest go straight.
    back = set(g.feedback_arc_set(method="eades")) if edges else set()
    kept = [i for i in range(len(edges)) if i not in back]
    coords, routing = _place(len(graph.nodes), [edges[i] for i in kept])
    routing_of: list[list[list[float]]] = [[] for _ in edges]
    for position, i in enumerate(kept):
        routing_of[i] = routing[position]
    col, row = NODE_WIDTH + H_GAP, NODE_HEIGHT + V_GAP
    min_x = min((c[0] for c in coords), default=0.0)

    def centre(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - min_x) * col + NODE_WIDTH / 2, MARGIN + y * row + NODE_HEIGHT / 2

    placed: list[dict[str, Any]] = []
    for node, (x, y) in zip(graph.nodes, coords, strict=True):
        cx, cy = centre(x, y)
        width, height = _size(node)
        placed.append({**node.to_dict(), "x": round(cx - width / 2, 1), "y": round(cy - height / 2, 1),
                       "width": width, "height": height, "layer": int(y)})
    out_edges: list[dict[str, Any]] = []
    for (source, target), edge, bends in zip(edges, graph.edges, routing_of, strict=True):
        a, b = placed[source], placed[target]
        points = [(a["x"] + a["width"] / 2, a["y"] + a["height"])]
        points += [centre(px, py) for px, py in (bends or [])]
        if b["y"] >= a["y"] + a["height"]:
            points.append((b["x"] + b["width"] / 2, b["y"]))
        else:  # an edge igraph reversed to break a cycle, or one within a layer: into the target's side
            points.append((b["x"] + b["width"] / 2, b["y"] + b["height"]))
        out_edges.append({"source": edge.source, "target": edge.target, "label": edge.label,
                          "points": [[round(px, 1), round(py, 1)] for px, py in points]})
    placed.sort(key=lambda n: (n["y"], n["x"]))
    width = max((n["x"] + n["width"] for n in placed), default=0) + MARGIN
    height = max((n["y"] + n["height"] for n in placed), default=0) + MARGIN
    return {"nodes": placed, "edges": out_edges, "width": round(width), "height": round(height),
            "omitted": graph.omitted}


def _place(count: int, edges: list[tuple[int, int]]) -> tuple[list[tuple[float, float]], list[list[list[float]]]]:
    """Unit-grid coordinates of each node and the bends of each (acyclic) edge; components side by side.

    Each weakly connected component is laid out on its own: igraph 1.0 hands back the
    bends of a graph of several components shifted onto the wrong edges.
    """
    coords: list[tuple[float, float]] = [(0.0, 0.0)] * count
    routing: list[list[list[float]]] = [[] for _ in edges]
    if not count:
        return coords, routing
    whole = igraph.Graph(n=count, edges=edges, directed=True)
    edge_ids: dict[tuple[int, int], list[int]] = {}
    for i, pair in enumerate(edges):
        edge_ids.setdefault(pair, []).append(i)
    components = whole.connected_components(mode="weak")
    membership: list[int] = components.membership
    edges_of: list[list[tuple[int, int]]] = [[] for _ in range(len(components))]
    for a, b in edges:
        edges_of[membership[a]].append((a, b))
    left = 0.0
    for component, members in enumerate(components):
        local = {node: i for i, node in enumerate(members)}
        part_edges = [(local[a], local[b]) for a, b in edges_of[component]]
        part = igraph.Graph(n=len(members), edges=part_edges, directed=True)
        layout = part.layout_sugiyama(maxiter=MAX_ITERATIONS)
        points = [tuple(c[:2]) for c in layout.coords][: len(members)]
        low = min(x for x, _ in points)
        for node, (x, y) in zip(members, points, strict=True):
            coords[node] = (left + x - low, y)
        bends = list(getattr(layout, "edge_routing", None) or [])
        taken: dict[tuple[int, int], int] = {}
        for position, (a, b) in enumerate(part_edges):
            pair = (members[a], members[b])
            i = edge_ids[pair][taken.get(pair, 0)]
            taken[pair] = taken.get(pair, 0) + 1
            if position < len(bends):
                routing[i] = [[left + px - low, py] for px, py in bends[position]]
        left += max(x for x, _ in points) - low + 1
    return coords, routing
