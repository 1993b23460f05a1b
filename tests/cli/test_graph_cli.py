"""`caseapp graph` and `caseapp path` through the command's entry point (cli.md)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from tests.cli.inproc import run

REF = "CASE-2026-0007"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("graph") / "d.db"
    run("demo", db=db)
    return db


def test_graph_gexf_loads_back_with_the_same_counts(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.gexf"
    done = run("graph", REF, "--format", "gexf", "-o", str(out), db=demo)
    doc_path = tmp_path / "c.json"
    run("graph", REF, "--format", "json", "-o", str(doc_path), db=demo)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    back = nx.read_gexf(out)
    assert back.number_of_nodes() == len(doc["nodes"]) == 26
    assert back.number_of_edges() == len(doc["edges"])
    assert f"Wrote 26 nodes and {len(doc['edges'])} edges of {REF}" in done.stdout
    kinds = {d["kind"] for _n, d in back.nodes(data=True)}
    assert {"company", "person", "shipment", "seizure", "substance", "phone"} <= kinds
    graded = [d for _a, _b, d in back.edges(data=True) if d.get("grading") == "B2"]
    assert graded and all(d["relation"] for d in graded)


def test_graph_graphml_and_cross_case(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.graphml"
    run("graph", REF, "--cross-case", "--format", "graphml", "-o", str(out), db=demo)
    back = nx.read_graphml(out)
    cases = {c for _n, d in back.nodes(data=True) for c in d["cases"].split(";")}
    assert cases == {REF, "CASE-2026-0011"}


def test_path_text_json_and_errors(demo: Path) -> None:
    done = run("path", "Wuhan Lanshuo", "Distribuidora", "--case", REF, db=demo)
    assert "shortest chains of 2 links" in done.stdout and "--shipped--> SH-0007-03" in done.stdout
    doc = json.loads(run("path", "Ruan Mengyao", "Tan Haoyu", "--json", db=demo).stdout)
    assert doc["from"]["name"] == "Ruan Mengyao" and doc["to"]["name"] == "Tan Haoyu"
    assert doc["paths"] and {"length", "nodes", "links"} <= set(doc["paths"][0])
    bad = run("path", "Ruan Mengyao", "Nobody Atall", db=demo, check=1)
    assert "Nothing named 'Nobody Atall'" in bad.stderr and "Traceback" not in bad.stderr
    bad = run("graph", REF, "--format", "gexf", "-o", "/nonexistent/dir/x.gexf", db=demo,
              check=1)
    assert "Cannot write" in bad.stderr
