"""BPMN 2.0 XML with diagram interchange, written from a `Diagram` (names in Russian).

Every flow node gets a shape and every flow an edge, so any modelling tool shows the
diagram as laid out here. Each element's documentation names its clauses and, where the
regulation sets one, its duration.
"""

from __future__ import annotations

from lxml import etree

from bekitu.handbook.model import Box, Diagram, Flow, Layout, Node, Pool, layout

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}
TARGET_NAMESPACE = "urn:bekitu:handbook"


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _q(BPMN, tag), {k: v for k, v in attrs.items() if v})


_WORDS = {
    "ru": ("Пункты регламента", "Продолжительность"),
    "kk": ("Регламенттің тармақтары", "Орындалу ұзақтығы"),
    "en": ("Clauses", "Duration"),
}


def documentation(clauses: tuple[str, ...], duration: str = "", language: str = "ru") -> str:
    """The documentation line of an element: its clauses and its duration."""
    clauses_word, duration_word = _WORDS.get(language, _WORDS["en"])
    text = f"{clauses_word}: " + ", ".join(clauses) + "." if clauses else ""
    if duration:
        text += f" {duration_word}: {duration}."
    return text.strip()


def _documented(element: etree._Element, text: str) -> None:
    if text:
        _sub(element, "documentation").text = text


def _node(process: etree._Element, node: Node, pool: Pool, lang: str) -> None:
    element = _sub(process, node.kind, id=node.id, name=node.name.get(lang))
    defaults = [f.id for f in pool.flows if f.source == node.id and f.default]
    if defaults:
        element.set("default", defaults[0])
    duration = node.duration.get(lang) if node.duration else ""
    _documented(element, documentation(node.clauses, duration, lang))
    for flow in pool.flows:
        if flow.target == node.id:
            _sub(element, "incoming").text = flow.id
    for flow in pool.flows:
        if flow.source == node.id:
            _sub(element, "outgoing").text = flow.id
    if node.message:
        _sub(element, "messageEventDefinition", messageRef=f"Message_{node.id}")


def _flow(process: etree._Element, flow: Flow, lang: str) -> None:
    element = _sub(
        process,
        "sequenceFlow",
        id=flow.id,
        sourceRef=flow.source,
        targetRef=flow.target,
        name=flow.name.get(lang) if flow.name else "",
    )
    if flow.condition:
        condition = _sub(element, "conditionExpression")
        condition.set(_q(XSI, "type"), "bpmn:tFormalExpression")
        condition.text = flow.condition


def _process(root: etree._Element, pool: Pool, lang: str) -> None:
    process = _sub(
        root, "process", id=pool.process_id, name=pool.name.get(lang), isExecutable="false"
    )
    if pool.documentation is not None:
        _documented(process, pool.documentation.get(lang))
    if pool.lanes:
        lanes = _sub(process, "laneSet", id=f"LaneSet_{pool.id}")
        for lane in pool.lanes:
            element = _sub(lanes, "lane", id=lane.id, name=lane.name.get(lang))
            for node in pool.nodes:
                if node.lane == lane.id:
                    _sub(element, "flowNodeRef").text = node.id
    for node in pool.nodes:
        _node(process, node, pool, lang)
    for flow in pool.flows:
        _flow(process, flow, lang)


def _bounds(parent: etree._Element, box: Box) -> None:
    etree.SubElement(
        parent,
        _q(DC, "Bounds"),
        x=f"{box.x:g}",
        y=f"{box.y:g}",
        width=f"{box.width:g}",
        height=f"{box.height:g}",
    )


def _shape(
    plane: etree._Element, element_id: str, box: Box, label: Box | None, **attrs: str
) -> None:
    shape = etree.SubElement(
        plane, _q(BPMNDI, "BPMNShape"), id=f"{element_id}_di", bpmnElement=element_id, **attrs
    )
    _bounds(shape, box)
    if label is not None:
        _bounds(etree.SubElement(shape, _q(BPMNDI, "BPMNLabel")), label)


def _edge(
    plane: etree._Element, element_id: str, points: list[tuple[float, float]], label: Box | None
) -> None:
    edge = etree.SubElement(
        plane, _q(BPMNDI, "BPMNEdge"), id=f"{element_id}_di", bpmnElement=element_id
    )
    for x, y in points:
        etree.SubElement(edge, _q(DI, "waypoint"), x=f"{x:g}", y=f"{y:g}")
    if label is not None:
        _bounds(etree.SubElement(edge, _q(BPMNDI, "BPMNLabel")), label)


def _diagram_interchange(root: etree._Element, diagram: Diagram, placed: Layout, lang: str) -> None:
    di = etree.SubElement(root, _q(BPMNDI, "BPMNDiagram"), id=f"BPMNDiagram_{diagram.id}")
    di.set("name", diagram.title.get(lang))
    plane = etree.SubElement(
        di,
        _q(BPMNDI, "BPMNPlane"),
        id=f"BPMNPlane_{diagram.id}",
        bpmnElement=f"Collaboration_{diagram.id}",
    )
    for pool in diagram.pools:
        _shape(plane, pool.id, placed.shapes[pool.id], None, isHorizontal="true")
        for lane in pool.lanes:
            _shape(plane, lane.id, placed.shapes[lane.id], None, isHorizontal="true")
    for pool in diagram.pools:
        for node in pool.nodes:
            extra = {"isMarkerVisible": "true"} if node.kind == "exclusiveGateway" else {}
            _shape(plane, node.id, placed.shapes[node.id], placed.labels.get(node.id), **extra)
        for flow in pool.flows:
            _edge(plane, flow.id, placed.edges[flow.id], placed.labels.get(flow.id))
    for message in diagram.message_flows:
        _edge(plane, message.id, placed.edges[message.id], placed.labels.get(message.id))
    for note in diagram.annotations:
        _shape(plane, note.id, placed.shapes[note.id], None)


def _collaboration(root: etree._Element, diagram: Diagram, lang: str) -> None:
    collaboration = _sub(root, "collaboration", id=f"Collaboration_{diagram.id}")
    for pool in diagram.pools:
        participant = _sub(
            collaboration,
            "participant",
            id=pool.id,
            name=pool.name.get(lang),
            processRef=pool.process_id,
        )
        if pool.is_black_box and pool.documentation is not None:
            _documented(participant, pool.documentation.get(lang))
    for message in diagram.message_flows:
        element = _sub(
            collaboration,
            "messageFlow",
            id=message.id,
            name=message.name.get(lang),
            sourceRef=message.source,
            targetRef=message.target,
        )
        _documented(element, documentation(message.clauses, language=lang))
    for note in diagram.annotations:
        annotation = _sub(collaboration, "textAnnotation", id=note.id)
        _sub(annotation, "text").text = note.text.get(lang)


def diagram_xml(diagram: Diagram, language: str = "ru") -> bytes:
    """The diagram as a BPMN 2.0 file (UTF-8, indented, stable from run to run): in Russian
    as published, or in another language of the service for the pages."""
    lang = language
    root = etree.Element(
        _q(BPMN, "definitions"),
        nsmap=NSMAP,
        id=f"Definitions_{diagram.id}",
        targetNamespace=TARGET_NAMESPACE,
        exporter="Bekitu",
        exporterVersion="1",
    )
    for pool in diagram.pools:
        for node in pool.nodes:
            if node.message:
                _sub(root, "message", id=f"Message_{node.id}", name=node.name.get(lang))
    _collaboration(root, diagram, lang)
    for pool in diagram.pools:
        if not pool.is_black_box:
            _process(root, pool, lang)
    _diagram_interchange(root, diagram, layout(diagram), lang)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
