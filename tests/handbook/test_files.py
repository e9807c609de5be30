"""R10, R11: the handbook's BPMN files are standard BPMN 2.0 that other tools open.

Checked by parsers that are not ours: SpiffWorkflow validates each file against the BPMN 2.0
XSD and builds every process from it; bpmnlint (npm) lints it with its recommended rules.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from bekitu.handbook.bpmnxml import BPMN, BPMNDI, diagram_xml
from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path

ROOT = Path(__file__).resolve().parents[2]
BPMNLINT = ROOT / "node_modules" / ".bin" / "bpmnlint"
FILES = [bpmn_path(d) for d in DIAGRAMS.values()]
CLAUSE = re.compile(r"\bR(?:1\.2|3\.\d|4(?:-1)?|5\.\d|6|7|8\.\d|9\.\d{1,2}|10|11)\b")
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "task",
    "userTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "exclusiveGateway",
}


def _spiff_parse(path: Path) -> dict[str, int]:
    """Validate against the XSD, then build every process (as executable, which is what
    Spiff builds): the number of task specs per process."""
    tree = etree.parse(str(path))
    BpmnValidator().validate(tree, str(path))
    for process in tree.iter(f"{{{BPMN}}}process"):
        process.set("isExecutable", "true")
    parser = BpmnParser()
    parser.add_bpmn_xml(tree, str(path))
    return {pid: len(parser.get_spec(pid).task_specs) for pid in parser.get_process_ids()}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_r10_r11_each_file_validates_against_the_bpmn_xsd_and_builds(path: Path) -> None:
    specs = _spiff_parse(path)
    processes = etree.parse(str(path)).findall(f"{{{BPMN}}}process")
    assert len(specs) == len(processes) >= 1
    assert all(count > 3 for count in specs.values())


def test_the_xsd_validation_refuses_a_file_that_breaks_the_schema(tmp_path: Path) -> None:
    broken = bpmn_path(DIAGRAMS["provider"]).read_text().replace("<bpmn:userTask", "<bpmn:userTusk")
    broken = broken.replace("</bpmn:userTask>", "</bpmn:userTusk>")
    (tmp_path / "broken.bpmn").write_text(broken)
    with pytest.raises(ValidationException):
        _spiff_parse(tmp_path / "broken.bpmn")


def _lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert BPMNLINT.exists(), "bpmnlint is not installed: run `make install-test` (npm ci)"
    return subprocess.run(
        [str(BPMNLINT), *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_r10_r11_the_files_pass_bpmnlint_without_an_error_or_a_warning() -> None:
    result = _lint(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stdout, result.stdout


def test_bpmnlint_reports_a_task_without_a_name(tmp_path: Path) -> None:
    text = bpmn_path(DIAGRAMS["provider"]).read_text()
    unnamed = re.sub(r'(<bpmn:userTask id="Task_provider_action1") name="[^"]*"', r"\1", text)
    (tmp_path / "unnamed.bpmn").write_text(unnamed)
    result = _lint(tmp_path / "unnamed.bpmn")
    assert result.returncode != 0
    assert "Task_provider_action1" in result.stdout and "label-required" in result.stdout


@pytest.mark.parametrize("diagram", DIAGRAMS.values(), ids=lambda d: d.id)
def test_the_committed_file_is_the_one_its_description_gives(diagram) -> None:
    # `bekitu handbook build` writes them; a hand edit of one side only fails here.
    assert bpmn_path(diagram).read_bytes() == diagram_xml(diagram)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_flow_node_has_a_shape_and_every_flow_an_edge(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    nodes = {
        e.get("id")
        for e in root.iter()
        if isinstance(e.tag, str) and etree.QName(e).localname in FLOW_NODES
    }
    flows = {e.get("id") for e in root.iter(f"{{{BPMN}}}sequenceFlow", f"{{{BPMN}}}messageFlow")}
    shapes = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    assert nodes and nodes <= shapes
    assert flows and flows <= edges


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_named_element_names_its_clause_in_russian(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname not in FLOW_NODES:
            continue
        name = element.get("name", "")
        if not name:  # a joining gateway: nothing to say
            continue
        docs = element.findtext(f"{{{BPMN}}}documentation") or ""
        assert re.search("[а-яё]", name, re.IGNORECASE), name
        if etree.QName(element).localname not in {"startEvent", "endEvent"} or "R" in name:
            assert CLAUSE.search(name + docs), f"{element.get('id')}: {name}"


def test_actions_1_and_2_carry_their_30_minutes() -> None:
    root = etree.parse(str(bpmn_path(DIAGRAMS["provider"]))).getroot()
    for task_id in ("Task_provider_action1", "Task_provider_action2"):
        task = root.find(f".//*[@id='{task_id}']")
        assert task is not None
        assert "30 минут" in task.get("name", "")
        assert "Продолжительность: 30 минут" in (task.findtext(f"{{{BPMN}}}documentation") or "")
