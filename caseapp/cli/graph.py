"""Commands of the link chart: `graph` (write a case's graph for Gephi or i2-style tools) and
`path` (the shortest chains of links between two entities, across cases)."""

from __future__ import annotations

import argparse
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json


def register(sub: Any) -> None:
    p = sub.add_parser("graph", help="write a case's link chart as GEXF, GraphML or JSON")
    p.add_argument("ref", metavar="REF", help="the case")
    p.add_argument("--cross-case", action="store_true",
                   help="also the cases its companies, persons and shipments are seen in")
    p.add_argument("--format", required=True, choices=("gexf", "graphml", "json"))
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(handler=cmd_graph)

    p = sub.add_parser("path", help="shortest chains of links between two entities")
    p.add_argument("key1", metavar="KEY1", help="uid, name, ref or shared value (a phone)")
    p.add_argument("key2", metavar="KEY2")
    p.add_argument("--case", metavar="REF", help="start from this case (and the cases it is "
                                                 "connected to); default: every case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_path)


def cmd_graph(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        graph = ws.graph.export(args.ref, args.format, args.output, cross_case=args.cross_case)
    cases = f" ({len(graph.cases)} cases)" if len(graph.cases) > 1 else ""
    print(f"Wrote {len(graph.nodes):,} nodes and {len(graph.edges):,} edges of "
          f"{graph.case}{cases} to {args.output}.")
    return 0


def cmd_path(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        doc = ws.graph.paths(args.key1, args.key2, args.case)
    if args.json:
        print_json(doc)
        return 0
    a, b = doc["from"]["name"], doc["to"]["name"]
    if not doc["paths"]:
        print(f"No chain of links joins {a} and {b}.")
        return 0
    n = len(doc["paths"])
    print(f"{n} shortest chain{'s' if n > 1 else ''} of {doc['paths'][0]['length']} "
          f"link{'s' if doc['paths'][0]['length'] > 1 else ''} from {a} to {b}:")
    for i, path in enumerate(doc["paths"], 1):
        print(f"{i}. {path['nodes'][0]['name']}")
        for link, node in zip(path["links"], path["nodes"][1:], strict=True):
            forward = link["to"]["uid"] == node["uid"] and link["to"]["name"] == node["name"]
            arrow = f"--{link['relation']}-->" if forward else f"<--{link['relation']}--"
            grade = f" [{link['grading']}]" if link["grading"] else ""
            case = f" ({link['case']})" if link["case"] else ""
            print(f"   {arrow} {node['name']}{grade}{case}")
    return 0
