"""The small description the handbook's BPMN files are generated from, and its layout.

A diagram is pools (participants), each with lanes or none, holding flow nodes placed on a
grid (column, row within the lane); sequence flows inside a pool and message flows between
pools. The layout turns the grid into diagram-interchange bounds and orthogonal waypoints,
so that every file is laid out the same way and no one drags shapes by hand. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Grid and shape sizes, in diagram units (pixels at 100 %).
COLUMN = 170
ROW = 120
LANE_HEADER = 30  # the band on the left of a pool or lane that carries its name
POOL_LEFT = 40
MARGIN_X = 70  # from the lane header to the centre of column 0
MARGIN_Y = 75  # from the top of a lane to the centre of row 0
BLACK_BOX_HEIGHT = 60
POOL_GAP = 50
# A task is wide and tall enough that a name of four lines, centred as bpmn-js draws it,
# stays clear of the task type's icon in the top left corner.
TASK = (140, 100)
SIZES = {
    "task": TASK,
    "userTask": TASK,
    "serviceTask": TASK,
    "sendTask": TASK,
    "receiveTask": TASK,
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "exclusiveGateway": (50, 50),
}
LABEL_WIDTH = 110
LABEL_HEIGHT = 40


@dataclass(frozen=True)
class Text:
    """A name or text in the three languages of the service; the files carry Russian."""

    ru: str
    kk: str
    en: str

    def get(self, language: str) -> str:
        return {"kk": self.kk, "ru": self.ru}.get(language[:2], self.en)


@dataclass(frozen=True)
class Procedure:
    """What the handbook says of a procedure: its input, its output (R11)."""

    input: Text
    output: Text


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # a key of SIZES
    name: Text
    lane: str
    col: float
    row: float = 0
    clauses: tuple[str, ...] = ()
    duration: Text | None = None
    procedure: Procedure | None = None
    message: bool = False  # a message start or end event

    @property
    def is_task(self) -> bool:
        return self.kind.endswith("ask")


@dataclass(frozen=True)
class Flow:
    """A sequence flow. A flow out of a deciding gateway carries a name and a condition
    (or is the gateway's default). `route` chooses the path's shape: "h" straight,
    "hv" horizontal then vertical into the target, "vh" vertical then horizontal."""

    id: str
    source: str
    target: str
    name: Text | None = None
    condition: str = ""
    default: bool = False
    route: str = ""


@dataclass(frozen=True)
class MessageFlow:
    """A message between pools; `source_dx`/`target_dx` shift where it leaves or arrives
    so that two messages of one shape do not overlap."""

    id: str
    source: str
    target: str
    name: Text
    clauses: tuple[str, ...]
    source_dx: int = 0
    target_dx: int = 0


@dataclass(frozen=True)
class Lane:
    id: str
    name: Text
    rows: int = 1


@dataclass(frozen=True)
class Pool:
    """A participant. With no nodes it is a black box (an external system); with lanes
    its process is divided between the roles; without lanes the pool has one row band."""

    id: str
    name: Text
    process_id: str = ""
    lanes: tuple[Lane, ...] = ()
    nodes: tuple[Node, ...] = ()
    flows: tuple[Flow, ...] = ()
    rows: int = 1
    documentation: Text | None = None

    @property
    def is_black_box(self) -> bool:
        return not self.nodes


@dataclass(frozen=True)
class Annotation:
    """A note on the diagram (the term of the service), standing free in a lane."""

    id: str
    text: Text
    col: float
    lane: str
    row: float = 0


@dataclass(frozen=True)
class Diagram:
    id: str
    file_name: str
    title: Text
    clauses: tuple[str, ...]
    pools: tuple[Pool, ...]
    message_flows: tuple[MessageFlow, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    columns: int = 8

    def nodes(self) -> dict[str, Node]:
        return {n.id: n for p in self.pools for n in p.nodes}

    def pool_of(self, node_id: str) -> Pool:
        return next(p for p in self.pools if any(n.id == node_id for n in p.nodes))


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class Layout:
    """Bounds of every pool, lane and node; waypoints of every flow; label boxes."""

    shapes: dict[str, Box] = field(default_factory=dict)
    edges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    labels: dict[str, Box] = field(default_factory=dict)


def _band_rows(pool: Pool) -> list[tuple[str, int]]:
    if pool.is_black_box:
        return []
    if pool.lanes:
        return [(lane.id, lane.rows) for lane in pool.lanes]
    return [(pool.id, pool.rows)]


def layout(diagram: Diagram) -> Layout:
    """Place every pool, lane and node, then route every flow."""
    out = Layout()
    width = LANE_HEADER * 2 + MARGIN_X * 2 + COLUMN * (diagram.columns - 1)
    y = 40.0
    band_top: dict[str, float] = {}
    for pool in diagram.pools:
        top = y
        if pool.is_black_box:
            y += BLACK_BOX_HEIGHT
        for band, rows in _band_rows(pool):
            band_top[band] = y
            height = 2 * MARGIN_Y + ROW * (rows - 1)
            if pool.lanes:
                out.shapes[band] = Box(POOL_LEFT + LANE_HEADER, y, width - LANE_HEADER, height)
            y += height
        out.shapes[pool.id] = Box(POOL_LEFT, top, width, y - top)
        y += POOL_GAP
    for pool in diagram.pools:
        for node in pool.nodes:
            w, h = SIZES[node.kind]
            cx = POOL_LEFT + LANE_HEADER * 2 + MARGIN_X + node.col * COLUMN
            cy = band_top[node.lane] + MARGIN_Y + node.row * ROW
            box = Box(cx - w / 2, cy - h / 2, w, h)
            out.shapes[node.id] = box
        for flow in pool.flows:
            _route(out, flow)
    pools = {pool.id for pool in diagram.pools}
    for message in diagram.message_flows:
        _route_message(out, message, pools)
    for pool in diagram.pools:
        for node in pool.nodes:
            if not node.is_task and node.name.ru:
                out.labels[node.id] = _label_beside(out, out.shapes[node.id])
    for note in diagram.annotations:
        cx = POOL_LEFT + LANE_HEADER * 2 + MARGIN_X + note.col * COLUMN
        cy = band_top[note.lane] + MARGIN_Y + note.row * ROW
        out.shapes[note.id] = Box(cx - 90, cy - 25, 180, 50)
    return out


def _label_beside(out: Layout, box: Box) -> Box:
    """An event's or gateway's name goes below it, or above, or to its left: on the first
    side no flow touches, so that no line runs through the text."""
    touched = {
        side
        for points in out.edges.values()
        for x, y in (points[0], points[-1])
        for side, hit in (
            ("below", abs(y - box.bottom) < 1 and abs(x - box.cx) < 1),
            ("above", abs(y - box.y) < 1 and abs(x - box.cx) < 1),
            ("left", abs(x - box.x) < 1 and abs(y - box.cy) < 1),
        )
        if hit
    }
    if "below" not in touched:
        return Box(box.cx - LABEL_WIDTH / 2, box.bottom + 4, LABEL_WIDTH, LABEL_HEIGHT)
    if "above" not in touched:
        return Box(box.cx - LABEL_WIDTH / 2, box.y - 4 - LABEL_HEIGHT, LABEL_WIDTH, LABEL_HEIGHT)
    return Box(box.x - 4 - LABEL_WIDTH, box.cy - LABEL_HEIGHT / 2, LABEL_WIDTH, LABEL_HEIGHT)


def _route(out: Layout, flow: Flow) -> None:
    s, t = out.shapes[flow.source], out.shapes[flow.target]
    route = flow.route or ("h" if abs(s.cy - t.cy) < 1 else "hv")
    if route == "h":
        points = [(s.right, s.cy), (t.x, t.cy)]
    elif route == "hv":
        enter = t.y if t.cy > s.cy else t.bottom
        points = [(s.right, s.cy), (t.cx, s.cy), (t.cx, enter)]
    else:  # "vh"
        leave = s.bottom if t.cy > s.cy else s.y
        points = [(s.cx, leave), (s.cx, t.cy), (t.x, t.cy)]
    out.edges[flow.id] = points
    if flow.name is not None:
        first, second = points[0], points[1]
        if route == "vh":
            box = Box(first[0] + 6, (first[1] + second[1]) / 2 - 10, 40, 20)
        else:  # below the line: a gateway's own name may stand above it
            box = Box(first[0] + 6, first[1] + 4, 40, 20)
        out.labels[flow.id] = box


def _route_message(out: Layout, message: MessageFlow, pools: set[str]) -> None:
    s, t = out.shapes[message.source], out.shapes[message.target]
    sx, tx = s.cx + message.source_dx, t.cx + message.target_dx
    # A message to or from a whole pool meets its edge straight above or below the node.
    if message.target in pools:
        tx = sx
    if message.source in pools:
        sx = tx
    down = t.cy > s.cy
    sy, ty = (s.bottom, t.y) if down else (s.y, t.bottom)
    if abs(sx - tx) < 1:
        points = [(sx, sy), (tx, ty)]
    else:
        mid = (sy + ty) / 2
        points = [(sx, sy), (sx, mid), (tx, mid), (tx, ty)]
    out.edges[message.id] = points
    label_y = (sy + ty) / 2 - LABEL_HEIGHT / 2 if abs(sx - tx) < 1 else points[1][1] - LABEL_HEIGHT
    out.labels[message.id] = Box(tx + 6, label_y, LABEL_WIDTH, LABEL_HEIGHT)
