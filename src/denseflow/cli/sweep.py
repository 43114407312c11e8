"""``denseflow sweep``: hyperparameter sweeps from the command line.

``denseflow`` forwards everything after the word ``sweep`` to :func:`main`. Exit codes: 0 done,
2 bad input (one line on stderr, no traceback), 1 anything else (a worker failed, a trial
raised an error). Set ``DENSEFLOW_DEBUG=1`` for tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from denseflow.cli.arguments import (
    Parser as _Parser,
)
from denseflow.cli.arguments import (
    UsageError,
    stdout_gone,
    formatter,
    seed_type,
)
from denseflow.cli.arguments import (
    column as _column,
)
from denseflow.cli.arguments import (
    int_at_least as _int,
)

__all__ = ["main", "build_parser"]

_PROG = "denseflow sweep"
_PARTS = ("create", "worker", "resume", "status", "report")


_formatter = formatter(34)


def _float(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


_EPILOG = """\
The one-shot form creates the sweep in SWEEP_DIR, runs --workers local worker processes (default:
one per core) and writes the report. The parts do the same step by step, and on several machines:

  denseflow sweep create --storage postgresql://user@host/db --study-name NAME [space …] --out DIR
  denseflow sweep worker --storage postgresql://user@host/db --study-name NAME --out DIR  (each machine)
  denseflow sweep resume DIR            # after a crash: re-queue the trials of dead workers, run on
  denseflow sweep status DIR [--json]
  denseflow sweep report DIR [--json]   # table, best.npz, report.png; --json: one JSON object

Search space: --grid NAME=V1,V2,… (each point once), --range NAME=LOW:HIGH[:log] (random/TPE),
or --space FILE.toml. Hyperparameters: learning_rate, iterations, n_h, num_layers, layers
(hidden sizes 20-7-5), hidden_activation, init; optimizer, batch_size (a number or full),
num_epochs, learning_rate_schedule, decay_rate, time_interval, lambd, keep_prob, beta1, beta2,
epsilon. Grid points that differ only in learning rate train together (--stack) when they use
full-batch gd without L2 or dropout; the others run one at a time.

examples:
  denseflow sweep --dataset planar --model shallow --grid n_h=1,2,3,4,5,20,50 \\
      --learning-rate 1.2 --iterations 5000 --course --seed 2 --out sweeps/hidden
  denseflow sweep --dataset moons --grid learning_rate=0.01,0.1,1 --grid n_h=2,4,8 --out sweeps/moons
  denseflow sweep --range learning_rate=1e-3:3:log --range n_h=1:50 --sampler tpe --n-trials 40 --out sweeps/tpe
  denseflow sweep --dataset cat --data ./data --model deep --space cat.toml --workers 4 --out sweeps/cat
  denseflow sweep --dataset moons --model deep --layers 5-2 --grid optimizer=gd,momentum,adam \\
      --grid lambd=0,0.1 --batch-size 64 --epochs 500 --learning-rate 0.0007 --out sweeps/optimizers
"""


def _add_space(p):
    from denseflow.core.schedules import SCHEDULES, schedule_name

    g = p.add_argument_group("data")
    g.add_argument("--dataset", default=None, metavar="NAME",
                   help="planar (default), moons, circles, blobs, gaussian-quantiles, course-circles, "
                        "course-moons (the second course's), cat, football or csv")
    g.add_argument("--data", metavar="PATH", help="the cat folder, football.csv or the CSV file")
    g.add_argument("--label-column", type=_column, default=-1, metavar="COL", help="CSV label column")
    g.add_argument("--m", type=_int(2), metavar="M", help="number of examples of a generated set")
    g.add_argument("--val-fraction", type=_float, metavar="F",
                   help="held-out fraction for validation (default 0.2; 0 with --course; cat: its test set)")
    g.add_argument("--standardize", action="store_true", help="standardize the features")
    g = p.add_argument_group("search space")
    g.add_argument("--model", default="shallow", metavar="MODEL", help="logistic, shallow (default) or deep")
    g.add_argument("--grid", action="append", metavar="NAME=V1,V2", help="values of one hyperparameter (repeatable)")
    g.add_argument("--range", action="append", dest="ranges", metavar="NAME=LOW:HIGH[:log]",
                   help="a range for random/TPE search (repeatable)")
    g.add_argument("--space", metavar="FILE.toml", help="the search space as a TOML file")
    g.add_argument("--sampler", metavar="NAME", help="grid, random or tpe (default: grid for lists only, else tpe)")
    g.add_argument("--n-trials", type=_int(1), metavar="N", help="trial budget over all workers (random/TPE)")
    g = p.add_argument_group("fixed hyperparameters (every trial)")
    g.add_argument("--learning-rate", metavar="ALPHA")
    g.add_argument("--iterations", metavar="N")
    g.add_argument("--n-h", metavar="N", help="hidden units (shallow; per hidden layer with --num-layers)")
    g.add_argument("--num-layers", metavar="L", help="deep: L layers with parameters")
    g.add_argument("--layers", metavar="N,N,…", help="deep: hidden sizes, e.g. 20,7,5")
    g.add_argument("--hidden-activation", metavar="NAME")
    g.add_argument("--init", metavar="NAME")
    g.add_argument("--optimizer", metavar="NAME", help="gd (default), momentum, rmsprop or adam")
    g.add_argument("--batch-size", metavar="N", help="mini-batches of N examples ('full': full batch, the default)")
    g.add_argument("--epochs", dest="num_epochs", metavar="N", help="passes over the data (mini-batches)")
    g.add_argument("--schedule", dest="learning_rate_schedule", metavar="NAME",
                   help=f"learning-rate schedule: {', '.join(schedule_name(n, underscore=True) for n in SCHEDULES)} "
                        f"(default constant)")
    g.add_argument("--decay-rate", metavar="K", help="the schedule's decay rate")
    g.add_argument("--decay-every", dest="time_interval", metavar="T", help="the schedule's interval in epochs")
    g.add_argument("--lambd", metavar="LAMBDA", help="L2 strength λ (default 0)")
    g.add_argument("--keep-prob", metavar="P", help="dropout: keep probability of the hidden units (default 1)")
    g.add_argument("--beta1", metavar="B", help="momentum's β, Adam's β1 (default 0.9)")
    g.add_argument("--beta2", metavar="B", help="Adam's β2, RMSprop's β (default 0.999)")
    g.add_argument("--epsilon", metavar="EPS", help="Adam's and RMSprop's ε (default 1e-8)")
    g = p.add_argument_group("seeds")
    g.add_argument("--seed", type=seed_type, default=1, help="the sweep seed (default 1)")
    g.add_argument("--same-seed", action="store_true", help="every trial uses the sweep seed itself")
    g.add_argument("--course", action="store_true",
                   help="the course's legacy seeding; implies --same-seed and no validation split")
    g.add_argument("--cost-every", type=_int(1), default=1, metavar="N", help="record the cost every N iterations")
    _add_storage(p, create=True)


def _add_storage(p, *, create=False):
    g = p.add_argument_group("storage")
    g.add_argument("--storage", metavar="URL",
                   help="postgresql://user@host:port/database (default: the journal file in the sweep folder; "
                        "also $DENSEFLOW_SWEEP_STORAGE)")
    g.add_argument("--study-name", metavar="NAME", help="the study's name in the database")
    if create:
        g.add_argument("--heartbeat-interval", type=_int(1), default=10, metavar="S",
                       help="PostgreSQL: seconds between heartbeats of a running trial (default 10)")
        g.add_argument("--grace-period", type=_int(2), metavar="S",
                       help="PostgreSQL: seconds without heartbeat before a trial is retried (default 2 x interval)")


def _add_stack(p):
    p.add_argument("--stack", type=_int(1), default=None, metavar="K",
                   help="train up to K grid points that differ only in learning rate (and seed) together, in "
                        "one stacked computation with the results of separate runs (default 8; 1: one at a time)")


def build_parser(part: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``denseflow sweep`` (one-shot, ``part=None``) or of one of its parts."""
    if part is None:
        p = _Parser(prog=_PROG, formatter_class=_formatter, epilog=_EPILOG,
                    description="Run a hyperparameter sweep (create, workers, report) in one go. "
                                "Parts: create | worker | resume | status | report.")
        _add_space(p)
        p.add_argument("--workers", type=_int(1), metavar="N", help="local worker processes (default: cores)")
        _add_stack(p)
        p.add_argument("--out", required=True, metavar="SWEEP_DIR", help="the sweep folder to create")
        p.add_argument("--quiet", action="store_true", help="no per-trial lines")
        p.add_argument("--json", action="store_true", help="print the report as one JSON object")
        return p
    p = _Parser(prog=f"{_PROG} {part}", formatter_class=_formatter, epilog=_EPILOG)
    if part == "create":
        p.description = "Create the sweep's study once (before any worker), with its grid enqueued."
        _add_space(p)
        p.add_argument("--out", required=True, metavar="SWEEP_DIR", help="the sweep folder to create")
    elif part == "worker":
        p.description = "Run one worker in this process until the sweep is done."
        p.add_argument("sweep_dir", nargs="?", metavar="SWEEP_DIR", help="the sweep folder (default: --out)")
        p.add_argument("--out", metavar="SWEEP_DIR", help="where this machine writes trial files (database sweeps)")
        p.add_argument("--max-trials", type=_int(1), metavar="N", help="stop after N trials")
        _add_stack(p)
        p.add_argument("--share", type=_int(1), default=1, metavar="N",
                       help="workers sharing the queue: a stacked batch takes at most 1/N of the waiting "
                            "points (default 1; the one-shot form and resume set it)")
        p.add_argument("--quiet", action="store_true", help="no per-trial lines")
        _add_storage(p)
    else:
        p.description = {"resume": "Re-queue the trials of dead workers, then run workers and write the report.",
                         "status": "Show the sweep's progress (writes nothing).",
                         "report": "Write the report: table, best.npz, report.json, report.png."}[part]
        p.add_argument("sweep_dir", metavar="SWEEP_DIR")
        _add_storage(p)
        if part == "resume":
            p.add_argument("--workers", type=_int(1), metavar="N", help="local worker processes (default: cores)")
            _add_stack(p)
            p.add_argument("--grace-period", type=_float, default=60.0, metavar="S",
                           help="re-queue a running trial that never recorded its worker after S seconds (default 60)")
            p.add_argument("--quiet", action="store_true", help="no per-trial lines")
        p.add_argument("--json", action="store_true", help="print one JSON object")
        if part == "report":
            p.add_argument("--no-plots", action="store_true", help="skip report.png")
    return p


_SECOND_COURSE = ("optimizer", "batch_size", "num_epochs", "learning_rate_schedule", "decay_rate", "time_interval",
                  "lambd", "keep_prob", "beta1", "beta2", "epsilon")


def _settings(args) -> dict:
    dataset = args.dataset or ("csv" if args.data and str(args.data).endswith(".csv") else "planar")
    layers = args.layers
    if layers is not None:
        layers = layers.replace(",", "-")
    settings = dict(
        grid=args.grid, ranges=args.ranges, space_file=args.space, sampler=args.sampler, n_trials=args.n_trials,
        learning_rate=args.learning_rate, iterations=args.iterations, n_h=args.n_h, num_layers=args.num_layers,
        layers=layers, hidden_activation=args.hidden_activation, init=args.init,
        **{name: getattr(args, name) for name in _SECOND_COURSE},
        dataset=dataset, model=args.model, seed=args.seed, same_seed=args.same_seed, course=args.course,
        val_fraction=args.val_fraction, m=args.m, standardize=args.standardize, cost_every=args.cost_every,
        label_column=args.label_column, heartbeat_interval=args.heartbeat_interval, grace_period=args.grace_period,
    )
    if dataset == "cat":
        settings["data_dir"] = args.data
    elif dataset in ("csv", "football"):
        settings["csv_path"] = args.data
    return settings


def _print_report(rep, *, as_json: bool):
    from denseflow.sweeps.results import format_table, status_counts

    if as_json:
        print(json.dumps(rep, default=str))
        return
    print(format_table(rep))
    print()
    print(status_counts(rep))
    best = rep["best"]
    if best is not None:
        metric = rep["metric"].replace("_", " ")
        print(f"best: trial {best['number']} {best['params']}: {metric} {100 * best['value']:.2f} %")
    for key, path in rep.get("files", {}).items():
        print(f"{key.replace('_', ' ')}: {path}")


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _run(argv) -> int:
    from denseflow.sweeps import runner
    from denseflow.sweeps.results import format_status

    part = argv[0] if argv and argv[0] in _PARTS else None
    args = build_parser(part).parse_args(argv[1:] if part else argv)
    if part is None:
        rep = runner.run_sweep(args.out, workers=args.workers, storage=args.storage, study_name=args.study_name,
                               verbose=not args.quiet, stack=args.stack, **_settings(args))
        _print_report(rep, as_json=args.json)
        return 0 if all(code == 0 for code in rep["worker_exit_codes"]) else 1
    if part == "create":
        sweep = runner.create(args.out, storage=args.storage, study_name=args.study_name, **_settings(args))
        print(f"created sweep {sweep.study_name} in {sweep.directory}")
        return 0
    if part == "worker":
        directory = args.sweep_dir or args.out
        if directory is None and not args.storage:
            raise UsageError("give the sweep folder, or --storage URL --study-name NAME --out DIR")
        signal.signal(signal.SIGTERM, _sigterm)
        summary = runner.worker(directory, max_trials=args.max_trials, verbose=not args.quiet,
                                storage=args.storage, study_name=args.study_name, stack=args.stack,
                                share=args.share)
        return 1 if summary.errors else 0
    if part == "resume":
        rep = runner.resume(args.sweep_dir, workers=args.workers, grace_period=args.grace_period,
                            verbose=not args.quiet, storage=args.storage, study_name=args.study_name,
                            stack=args.stack)
        _print_report(rep, as_json=args.json)
        return 0 if all(code == 0 for code in rep["worker_exit_codes"]) else 1
    if part == "status":
        rep = runner.status(args.sweep_dir, storage=args.storage, study_name=args.study_name)
        print(json.dumps(rep, default=str) if args.json else format_status(rep))
        return 0
    rep = runner.report(args.sweep_dir, plots=not args.no_plots, storage=args.storage, study_name=args.study_name)
    _print_report(rep, as_json=args.json)
    return 0


#: The storage URLs of this command (``--storage``, ``$DENSEFLOW_SWEEP_STORAGE``): their passwords
#: are scrubbed from every message.
_urls: list = []


def _storage_urls(argv) -> list:
    urls = [os.environ.get("DENSEFLOW_SWEEP_STORAGE")]
    for i, word in enumerate(argv):
        if word.startswith("--st") and "=" in word:
            urls.append(word.split("=", 1)[1])
        elif word.startswith("--st") and i + 1 < len(argv):
            urls.append(argv[i + 1])
    return [u for u in urls if u and "://" in u]


def _error(message, code) -> int:
    from denseflow.sweeps.storage import scrub

    print(f"{_PROG}: error: {' '.join(scrub(str(message), *_urls).split())}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    """Run ``denseflow sweep`` with ``argv`` (the words after ``sweep``); returns the exit code."""
    from denseflow.sweeps.storage import StorageUnavailableError

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    _urls[:] = _storage_urls(argv)
    if os.environ.get("DENSEFLOW_DEBUG"):
        return _run(argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a reader that went away shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return stdout_gone()
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        return _error("interrupted; continue with `denseflow sweep resume SWEEP_DIR`", 130)
    except UsageError as exc:
        return _error(exc, 2)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError, NotADirectoryError,
            StorageUnavailableError) as exc:
        return _error(exc, 2)
    except ImportError as exc:
        return _error(exc, 1)
    except Exception as exc:  # anything unexpected: one line, exit 1
        return _error(f"{type(exc).__name__}: {exc} (set DENSEFLOW_DEBUG=1 for the traceback)", 1)


if __name__ == "__main__":
    sys.exit(main())
