"""The link chart window (Case > Link chart…): a case's network in a QGraphicsView.

Every entity is a node (chart_items.py), every link and reference field a directed edge;
shared phones, e-mails and addresses are value nodes. Zoom (wheel, +/-), pan (drag the
background), drag and pin nodes, select one to see its record, double-click to edit it,
expand a node into the other cases it appears in, highlight the shortest paths between two
selected nodes, filter by kind, relation, dates and grading, lay out (force-directed or by
role) on a worker thread, save the layout with the case, export PNG or SVG. The graph comes
from services/graph.py; the window only draws it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsScene,
    QGraphicsView,
    QMainWindow,
    QWidget,
)

from caseapp.domain.graph import CaseGraph, GraphFilter
from caseapp.domain.graph_layout import compute_layout, separate
from caseapp.domain.kinds import EDITOR_KINDS
from caseapp.services.graph import shortest_paths
from caseapp.views import error_dialog
from caseapp.views.chart_items import (
    EDGE_LABEL_LOD,
    LABEL_LOD,
    EdgeItem,
    EdgeLabelLayer,
    NodeItem,
)
from caseapp.views.chart_overview import EdgeOverview
from caseapp.views.chart_panel import ChartPanel
from caseapp.views.operations import Changes, Operation, OperationRunner
from caseapp.views.workers import BackgroundTask

if TYPE_CHECKING:
    from caseapp.domain.records import Record
    from caseapp.services.workspace import Workspace

Run = Callable[[Operation[Any]], Any]
Point = tuple[float, float]
ZOOM_STEP = 1.2
SMOOTH_LOD = 0.3


def scene_scale(n: int) -> float:
    """Scene units for the layout's unit square: room for labels however many nodes."""
    return max(700.0, 95.0 * n ** 0.5)


def place(graph: CaseGraph, layout: str, pins: dict[str, Point], scale: float, aspect: float,
          sizes: dict[str, tuple[float, float]]) -> dict[str, Point]:
    """Scene positions (run on a worker): the layout, stretched to the view's shape when
    nothing is pinned, then nodes nudged apart so that labels do not cover each other."""
    unit = compute_layout(graph, layout, pinned=pins or None)
    sx = sy = scale
    if not pins and unit:
        # Fill the view's shape: a wide drawing in a tall window wastes room for labels.
        xs, ys = [p[0] for p in unit.values()], [p[1] for p in unit.values()]
        sx = scale * aspect / ((max(xs) - min(xs)) or 1.0)
        sy = scale / ((max(ys) - min(ys)) or 1.0)
    pos = {k: (x * sx, y * sy) for k, (x, y) in unit.items()}
    return separate(pos, sizes, fixed=frozenset(pins))


class ChartView(QGraphicsView):
    """Zoom with the wheel, pan by dragging the background; tuned for thousands of items."""

    sig_node_activated = Signal(object)
    """A node was double-clicked (its NodeItem)."""
    sig_zoomed = Signal(float)
    """The scale changed (1.0 = one scene unit per pixel)."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState
                                  | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.overview: EdgeOverview | None = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if self.overview is not None:
            self.overview.paint(painter)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, NodeItem):
            self.sig_node_activated.emit(item)
            return
        super().mouseDoubleClickEvent(event)

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        if 0.02 < current * factor < 8:
            self.scale(factor, factor)
            self.sig_zoomed.emit(current * factor)


class ChartWindow(QMainWindow):
    """The link chart of one case."""

    sig_ready = Signal()
    """The chart is drawn (after loading, a new layout, an expansion)."""
    sig_selected = Signal(object)
    """The record of the node selected (or None)."""

    def __init__(self, ws: Workspace, case_ref: str, run: Run | None = None,
                 open_editor: Callable[[Record], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.case_ref = ws, case_ref
        self._own_runner: OperationRunner | None = None
        if run is None:
            self._own_runner = OperationRunner(self, QUndoStack(self))
            run = self._own_runner.run
        self.run = run
        self.open_editor = open_editor
        self.graph: CaseGraph | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: list[EdgeItem] = []
        self.layout_name = "force"
        self._detail: tuple[bool, bool] | None = None
        self.edge_labels: EdgeLabelLayer | None = None
        self.overview = EdgeOverview(self)
        self._tasks: set[BackgroundTask] = set()
        self.setWindowTitle(f"Link chart: {case_ref}")
        self.resize(1200, 800)
        self._build_ui()
        self._build_actions()
        self._connect()
        self.load()

    # --- building -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.view = ChartView(self.scene, self)
        self.view.overview = self.overview
        self.setCentralWidget(self.view)
        self.panel = ChartPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel.dock)
        self.statusBar().showMessage("Loading the chart\u2026")

    def _build_actions(self) -> None:
        bar = self.addToolBar("Chart")
        bar.setObjectName("chart_toolbar")

        def act(text: str, slot: Callable[[], Any], key: str | QKeySequence.StandardKey | None
                = None, tip: str = "") -> QAction:
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(QKeySequence(key))
            action.setToolTip(tip or text)
            action.triggered.connect(slot)
            bar.addAction(action)
            return action

        act("Zoom in", lambda: self.view.zoom(ZOOM_STEP), QKeySequence.StandardKey.ZoomIn)
        act("Zoom out", lambda: self.view.zoom(1 / ZOOM_STEP), QKeySequence.StandardKey.ZoomOut)
        act("Fit", self.fit, "Ctrl+0", "Show the whole chart")
        bar.addSeparator()
        self.act_pin = act("Pin", self.toggle_pin, "Ctrl+P",
                           "Pin or unpin the selected nodes (dragged nodes are pinned)")
        self.act_expand = act("Expand", self.expand_selected, "Ctrl+Shift+E",
                              "Add the other cases the selected record appears in")
        self.act_paths = act("Shortest paths", self.show_paths, "Ctrl+Shift+F",
                             "Highlight the shortest paths between the two selected nodes")
        bar.addSeparator()
        act("Save layout", self.save_layout, QKeySequence.StandardKey.Save,
            "Keep this arrangement with the case (the report's network page uses it)")
        act("Export PNG\u2026", lambda: self._export("png"), None, "Save the chart as an image")
        act("Export SVG\u2026", lambda: self._export("svg"), None, "Save the chart as SVG")

    def _connect(self) -> None:
        self.scene.selectionChanged.connect(self._on_scene_selection)
        self.panel.sig_filter_changed.connect(self.apply_filter)
        self.panel.sig_layout_requested.connect(self.relayout)
        self.view.sig_node_activated.connect(self.open_node)
        self.view.sig_zoomed.connect(self.set_detail)

    # --- loading and layout ---------------------------------------------------------------
    def _background(self, title: str, job: Callable[[], Any],
                    done: Callable[[Any], None]) -> None:
        """Run `job` on a reader thread; `done(result)` on the UI thread."""
        task: BackgroundTask

        def ok(result: Any) -> None:
            self._tasks.discard(task)
            done(result)

        def failed(exc: BaseException) -> None:
            self._tasks.discard(task)
            self.statusBar().showMessage(f"{title} failed.")
            error_dialog.show_error(self, exc)

        task = BackgroundTask(self, title, lambda _p, _c: job(), on_done=ok, on_failed=failed,
                              writes=False, progress=False)
        self._tasks.add(task)
        task.start()

    def load(self) -> None:
        """Read the case's graph and saved layout (worker), then draw or lay out."""
        ref = self.case_ref
        self._background("Loading the chart", lambda: (
            self.ws.graph.case_graph(ref), self.ws.chart_layouts.load(ref)), self._on_loaded)

    def _on_loaded(self, result: tuple[CaseGraph, Any]) -> None:
        graph, saved = result
        self.graph = graph
        self.panel.set_graph(graph)
        if saved is not None and all(n.id in saved.positions for n in graph.nodes):
            self.layout_name = saved.layout
            self.panel.set_layout_name(saved.layout)
            self._draw(graph, saved.positions, saved.pinned)
            self.statusBar().showMessage(f"Layout saved {saved.saved_at[:16]} by "
                                         f"{saved.saved_by}.", 8000)
            self.sig_ready.emit()
            return
        self._draw(graph, {}, frozenset())
        pins = {k: v for k, v in saved.positions.items()} if saved is not None else {}
        self.relayout(self.layout_name, pins)

    def relayout(self, layout: str | None = None, pins: dict[str, Point] | None = None
                 ) -> None:
        """Lay the chart out again on a worker (pinned nodes stay where they are)."""
        if self.graph is None:
            return
        self.layout_name = layout or self.panel.layout_name()
        graph, name = self.graph, self.layout_name
        scale = scene_scale(len(graph.nodes))
        if pins is None:
            pins = {nid: (item.pos().x(), item.pos().y()) for nid, item in self.nodes.items()
                    if item.pinned}
        unit = {k: (x / scale, y / scale) for k, (x, y) in pins.items()}
        aspect = max(0.5, min(2.0, self.view.width() / max(1, self.view.height())))
        sizes = {nid: item.footprint() for nid, item in self.nodes.items()}
        self.statusBar().showMessage("Laying out\u2026")
        self._background("Laying out the chart",
                         lambda: place(graph, name, unit, scale, aspect, sizes),
                         self._on_laid_out)

    def _on_laid_out(self, positions: dict[str, Point]) -> None:
        for nid, (x, y) in positions.items():
            item = self.nodes.get(nid)
            if item is not None:
                item.setPos(x, y)
        self._fit_scene()
        self.statusBar().showMessage(f"{len(self.nodes):,} nodes, {len(self.edges):,} edges "
                                     f"({self.layout_name} layout).", 8000)
        self.sig_ready.emit()

    def _draw(self, graph: CaseGraph, positions: dict[str, Point], pinned: frozenset[str]
              ) -> None:
        self.scene.clear()
        self.nodes, self.edges = {}, []
        self._detail = None
        self.edge_labels = None
        group, node_group = self.overview.new_groups()
        self.scene.addItem(group)
        self.scene.addItem(node_group)
        for node in graph.nodes:
            item = NodeItem(node)
            x, y = positions.get(node.id, (0.0, 0.0))
            item.setPos(x, y)
            item.set_pinned(node.id in pinned)
            item.setParentItem(node_group)
            self.nodes[node.id] = item
        for edge in graph.edges:
            if edge.source in self.nodes and edge.target in self.nodes:
                e = EdgeItem(edge, self.nodes[edge.source], self.nodes[edge.target])
                e.setParentItem(group)
                self.edges.append(e)
        self.edge_labels = EdgeLabelLayer(self.edges, self.overview.changed)
        self.scene.addItem(self.edge_labels)
        self.apply_filter()
        self._fit_scene()

    def content_rect(self) -> QRectF:
        """The nodes' extent with their labels (not the label layer, which spans the scene)."""
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect().united(
                item.label.sceneBoundingRect()))
        return rect

    def _fit_scene(self) -> None:
        rect = self.content_rect().adjusted(-60, -60, 60, 60)
        self.scene.setSceneRect(rect)
        if self.edge_labels is not None:
            self.edge_labels.boundingRect()
        self.fit()

    def fit(self) -> None:
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.set_detail(self.view.transform().m11())

    def set_detail(self, scale: float) -> None:
        """Level of detail: labels only where they can be read (node names from LABEL_LOD,
        relations from EDGE_LABEL_LOD); zoomed out, Qt paints shapes and lines only."""
        nodes, edges = scale >= LABEL_LOD, scale >= EDGE_LABEL_LOD
        # Zoomed far out, lines are hairlines: smoothing them costs a third of the frame,
        # and drawing them at all most of the rest (chart_overview.py).
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing, scale >= SMOOTH_LOD)
        self.overview.set_scale(scale)
        if (nodes, edges) == self._detail:
            return
        self._detail = (nodes, edges)
        for item in self.nodes.values():
            item.label.setVisible(nodes)
        if self.edge_labels is not None:
            self.edge_labels.set_shown(edges)

    # --- filter, selection, paths ---------------------------------------------------------
    def current_filter(self) -> GraphFilter:
        return self.panel.current_filter()

    def apply_filter(self) -> None:
        """Hide the nodes and edges the panel's filter leaves out."""
        if self.graph is None:
            return
        shown = self.graph.filtered(self.current_filter())
        keep = {n.id for n in shown.nodes}
        keys = {e.key for e in shown.edges}
        for nid, item in self.nodes.items():
            item.setVisible(nid in keep)
        for e in self.edges:
            e.setVisible(e.edge.key in keys)
        self.overview.changed()

    def visible_node_ids(self) -> set[str]:
        return {nid for nid, item in self.nodes.items() if item.isVisible()}

    def selected_nodes(self) -> list[NodeItem]:
        return [i for i in self.scene.selectedItems() if isinstance(i, NodeItem)]

    def _on_scene_selection(self) -> None:
        selected = self.selected_nodes()
        record = None
        if len(selected) == 1 and selected[0].node.uid is not None:
            node = selected[0].node
            try:
                record = self.ws.service(node.kind).get(node.uid)
            except Exception as exc:  # noqa: BLE001 - shown, not raised, in the panel
                self.panel.show_text(f"{node.kind} {node.label}: {exc}")
        if record is not None:
            self.panel.show_record(selected[0].node, record)
        elif len(selected) == 1:
            node = selected[0].node
            self.panel.show_value(node, [e.source.node.label for e in selected[0].edges])
        elif not selected:
            self.panel.show_text("Select a node to see its record; select two (Ctrl+click) "
                                 "to find the shortest paths between them.")
        self.sig_selected.emit(record)

    def open_node(self, item: NodeItem) -> None:
        """Double-click: the record's editor (if its kind has one)."""
        node = item.node
        if node.uid is None or node.kind not in EDITOR_KINDS or self.open_editor is None:
            return
        self.open_editor(self.ws.service(node.kind).get(node.uid))

    def show_paths(self) -> int:
        """Highlight the shortest paths between the two selected nodes; returns how many."""
        selected = self.selected_nodes()
        if len(selected) != 2 or self.graph is None:
            self.statusBar().showMessage("Select two nodes (Ctrl+click) first.", 5000)
            return 0
        a, b = selected[0].node.id, selected[1].node.id
        shown = self.graph.filtered(self.current_filter())
        found = shortest_paths(shown, a, b)
        self.highlight(found)
        if not found:
            self.statusBar().showMessage("No chain of links joins them (with this filter).")
        else:
            self.statusBar().showMessage(f"{len(found)} shortest path(s) of {len(found[0]) - 1} "
                                         "link(s), highlighted.")
        return len(found)

    def highlight(self, paths: list[list[str]]) -> None:
        on_nodes = {n for p in paths for n in p}
        on_pairs = {frozenset(pair) for p in paths for pair in zip(p, p[1:], strict=False)}
        for nid, item in self.nodes.items():
            item.set_highlighted(nid in on_nodes)
        for e in self.edges:
            e.set_highlighted(frozenset((e.edge.source, e.edge.target)) in on_pairs)
        self.overview.changed()

    def highlighted_nodes(self) -> set[str]:
        return {nid for nid, item in self.nodes.items() if item.highlighted}

    def toggle_pin(self) -> None:
        selected = self.selected_nodes()
        pin = not all(i.pinned for i in selected)
        for item in selected:
            item.set_pinned(pin)

    # --- expand, save, export -------------------------------------------------------------
    def expand_selected(self) -> None:
        """Add the other cases the selected record appears in (a worker reads them)."""
        selected = self.selected_nodes()
        if len(selected) != 1 or self.graph is None:
            self.statusBar().showMessage("Select one company, person or shipment.", 5000)
            return
        graph, nid = self.graph, selected[0].node.id
        self._background("Expanding", lambda: self.ws.graph.expand(graph, nid),
                         self._on_expanded)

    def _on_expanded(self, graph: CaseGraph) -> None:
        if self.graph is not None and len(graph.nodes) == len(self.graph.nodes):
            self.statusBar().showMessage("Not seen in another case.", 5000)
            return
        pins = {nid: (item.pos().x(), item.pos().y()) for nid, item in self.nodes.items()}
        self.graph = graph
        self.panel.set_graph(graph)
        self._draw(graph, pins, frozenset(pins))
        self.relayout(self.layout_name, pins)
        for nid in pins:  # the new nodes find a place around the old ones, then all move
            self.nodes[nid].set_pinned(False)

    def positions(self) -> dict[str, Point]:
        return {nid: (item.pos().x(), item.pos().y()) for nid, item in self.nodes.items()}

    def save_layout(self) -> None:
        """Keep the arrangement with the case (the writer thread)."""
        ref, name = self.case_ref, self.layout_name
        positions = self.positions()
        pinned = frozenset(nid for nid, item in self.nodes.items() if item.pinned)
        self.run(Operation("Save the chart layout",
                           lambda _p, _c: self.ws.chart_layouts.save(ref, name, positions,
                                                                     pinned),
                           Changes(), on_success=lambda _r: self.statusBar().showMessage(
                               "Layout saved.", 5000)))

    @contextlib.contextmanager
    def _full_detail(self) -> Iterator[None]:
        """Files show every name and line whatever the view's zoom (the level of detail
        and the overview image are for the screen only)."""
        self.set_detail(max(1.0, LABEL_LOD, EDGE_LABEL_LOD))
        try:
            yield
        finally:
            self.set_detail(self.view.transform().m11())

    def export_png(self, path: str, size: QSize | None = None) -> None:
        rect = self.content_rect().adjusted(-20, -20, 20, 20)
        target = size or QSize(int(rect.width() * 2), int(rect.height() * 2))
        image = QImage(target, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        with self._full_detail():
            self.scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        if not image.save(path):
            raise OSError(f"Cannot write {path}.")

    def export_svg(self, path: str) -> None:
        from PySide6.QtSvg import QSvgGenerator

        rect = self.content_rect().adjusted(-20, -20, 20, 20)
        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(rect.size().toSize())
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle(f"Link chart {self.case_ref}")
        painter = QPainter(gen)
        with self._full_detail():
            self.scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()

    def _export(self, fmt: str) -> None:
        path, _f = QFileDialog.getSaveFileName(self, f"Export the chart as {fmt.upper()}",
                                               f"{self.case_ref}-chart.{fmt}",
                                               f"{fmt.upper()} (*.{fmt})")
        if not path:
            return
        try:
            self.export_png(path) if fmt == "png" else self.export_svg(path)
        except OSError as exc:
            error_dialog.show_error(self, exc)
            return
        self.statusBar().showMessage(f"Saved {path}.", 5000)
