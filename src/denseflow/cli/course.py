"""The course commands of ``denseflow``: reproduce, gradcheck, graph.

Each ``cmd_NAME(args) -> int`` runs one subcommand from the parsed arguments (the parser and the
exit codes are in :mod:`denseflow.cli.app`). Every heavy import happens inside the command.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from denseflow.cli.arguments import json_default, print_json

__all__ = ["cmd_reproduce", "cmd_gradcheck", "cmd_graph"]


class _Progress:
    """``reproduce.run``'s progress on stderr: one line per experiment, with the time it took."""

    def __init__(self, stream):
        self.stream, self.t0, self.start = stream, None, time.perf_counter()

    def __call__(self, name, k, n):
        now = time.perf_counter()
        if self.t0 is not None:
            print(f" {now - self.t0:.1f} s", file=self.stream, flush=True)
        if name is None:
            print(f"reproduce: {n} experiment(s) in {now - self.start:.1f} s", file=self.stream, flush=True)
            return
        self.t0 = now
        print(f"reproduce: [{k}/{n}] {name} ...", end="", file=self.stream, flush=True)


def skipped_experiments(reproduce, data_dir) -> list:
    """The experiments ``reproduce.run(data_dir)`` leaves out for want of data: [(name, [files])]."""
    out = []
    for name, (_, needs) in reproduce.EXPERIMENTS.items():
        if needs is True:  # a table whose second entry says "needs the cat data"
            needs = ["train_catvnoncat.h5", "test_catvnoncat.h5"]
        needs = [needs] if isinstance(needs, str) else list(needs or [])
        if needs and (data_dir is None or not all((Path(data_dir) / f).is_file() for f in needs)):
            out.append((name, needs))
    return out


def cmd_reproduce(args) -> int:
    try:
        from denseflow import reproduce
    except ImportError as exc:
        raise RuntimeError(f"denseflow.reproduce is not available in this installation ({exc}).") from None
    if args.data is not None and not Path(args.data).is_dir():
        raise FileNotFoundError(f"--data {args.data}: no such folder (it must hold train_catvnoncat.h5 and "
                                f"test_catvnoncat.h5).")
    figures = reproduce.run(args.data, progress=_Progress(sys.stderr))
    skipped = skipped_experiments(reproduce, args.data)
    ok = all(bool(f.match) for f in figures)
    if args.json:
        rows = [{k: json_default(v) if not isinstance(v, (str, int, float, bool, type(None))) else v
                 for k, v in f._asdict().items()} for f in figures]
        print_json({"figures": rows, "all_match": ok, "data": args.data,
                    "skipped": [{"experiment": name, "needs": files} for name, files in skipped]})
    else:
        print(reproduce.format_table(figures))
        n_bad = sum(not f.match for f in figures)
        print(f"{len(figures) - n_bad} of {len(figures)} figures match within their tolerance."
              + ("" if ok else " MISMATCH."))
        if skipped:
            files = sorted({f for _, needs in skipped for f in needs})
            print(f"Skipped for want of data: {', '.join(name for name, _ in skipped)} (they need "
                  f"{', '.join(files)}; pass --data FOLDER holding them).")
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
