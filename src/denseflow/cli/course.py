"""The course commands of ``denseflow``: reproduce, gradcheck, graph.

Each ``cmd_NAME(args) -> int`` runs one subcommand from the parsed arguments (the parser and the
exit codes are in :mod:`denseflow.cli.app`). Every heavy import happens inside the command.
"""

from __future__ import annotations

from pathlib import Path

from denseflow.cli.arguments import json_default, print_json

__all__ = ["cmd_reproduce", "cmd_gradcheck", "cmd_graph"]


def cmd_reproduce(args) -> int:
    try:
        from denseflow import reproduce
    except ImportError as exc:
        raise RuntimeError(f"denseflow.reproduce is not available in this installation ({exc}).") from None
    if args.data is not None and not Path(args.data).is_dir():
        raise FileNotFoundError(f"--data {args.data}: no such folder (it must hold train_catvnoncat.h5 and "
                                f"test_catvnoncat.h5).")
    figures = reproduce.run(args.data)
    ok = all(bool(f.match) for f in figures)
    if args.json:
        rows = [{k: json_default(v) if not isinstance(v, (str, int, float, bool, type(None))) else v
                 for k, v in f._asdict().items()} for f in figures]
        print_json({"figures": rows, "all_match": ok, "data": args.data})
    else:
        print(reproduce.format_table(figures))
        n_bad = sum(not f.match for f in figures)
        print(f"{len(figures) - n_bad} of {len(figures)} figures match." + ("" if ok else " MISMATCH."))
    return 0 if ok else 1


def cmd_gradcheck(args) -> int:
    from denseflow.gradcheck.check import random_check

    dims = [args.inputs, *args.layers, args.outputs]
    if args.output_activation == "softmax" and args.outputs < 2:
        raise ValueError("--output-activation softmax needs --outputs 2 or more (one unit per class).")
    report = random_check(dims, args.hidden_activation, args.output_activation, args.seed, m=args.examples)
    if args.json:
        print_json({
            "passed": report.passed,
            "max_error": report.max_error,
            "difference": report.difference,
            "threshold": report.threshold,
            "layer_dims": dims,
            "entries": [{"name": e.name, "shape": list(e.shape), "relative_error": e.relative_error,
                         "passed": bool(e.passed)} for e in report.entries],
        })
    else:
        print(report.format())
    return 0 if report.passed else 1


def cmd_graph(args) -> int:
    from denseflow import graph

    if args.example == "logistic":
        print(graph.logistic_example().explain())
    else:
        print(graph.course_example(args.a, args.b, args.c).explain())
    return 0
