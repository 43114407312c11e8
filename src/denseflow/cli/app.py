"""The ``denseflow`` command: train, evaluate, predict, info, reproduce, gradcheck, graph, plot, playground, sweep.

``main(argv) -> int`` is the entry point (``denseflow = denseflow.cli:main``; also
``python -m denseflow``). Exit codes: 0 success; 2 bad usage or input (a one-line message on
stderr, never a traceback); 1 anything else (training diverged, a figure that does not match,
a failed gradient check, a missing optional package). Set ``DENSEFLOW_DEBUG=1`` to get the full
traceback of an unexpected error.

With ``--json`` a command prints exactly one JSON object on stdout; progress and logs go to
stderr. Heavy modules (matplotlib, tqdm, h5py, scikit-learn, optuna) load only when a command
needs them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from denseflow.cli import commands as _commands
from denseflow.cli import course
from denseflow.cli.arguments import (
    Parser,
    UsageError,
    delimiter,
    formatter,
    int_at_least,
    seed_type,
    stdout_gone,
    threads,
)
from denseflow.cli.arguments import column as _column

__all__ = ["main", "build_parser"]

_PROG = "denseflow"


class _Parser(Parser):
    """:class:`~denseflow.cli.arguments.Parser` with ``"denseflow ...: error: "`` in front of its messages."""

    prefix_prog = True


_formatter = formatter(32)


# ---------------------------------------------------------------------------------------------
# argument types (one-line errors)
# ---------------------------------------------------------------------------------------------


_positive_int = int_at_least(1)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _fraction_of(held_out: str):
    """An argument type: a fraction in [0, 1) of the data held out as ``held_out`` (0: none)."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
        if not 0 <= value < 1:
            raise argparse.ArgumentTypeError(f"expected a number in [0, 1) (0 = no {held_out}), got {text!r}")
        return value

    return parse


_fraction = _fraction_of("validation set")
_test_fraction = _fraction_of("test set")


def _number(text, expected: str):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _non_negative_float(text):
    value = _number(text, "a finite number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _beta(text):
    value = _number(text, "a number in [0, 1) such as 0.9")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1) such as 0.9, got {text!r}")
    return value


def _keep_prob(text):
    """One keep probability in (0, 1], or one per hidden layer, comma-separated."""
    expected = "a keep probability in (0, 1] such as 0.8, or one per hidden layer such as 0.8,0.5"
    parts = [p.strip() for p in text.split(",")]
    values = [_number(p, expected) for p in parts]
    if not values or any(not 0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return values if len(values) > 1 else values[0]


def _schedule(text):
    from denseflow.core.schedules import SCHEDULES, schedule_name

    try:
        return schedule_name(text.strip().lower(), underscore=True)
    except ValueError:
        names = [schedule_name(name, underscore=True) for name in SCHEDULES]
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(names)}, got {text!r}") from None


def _sizes(text):
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 20,7,5, got {text!r}") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"expected positive layer sizes such as 20,7,5, got {text!r}")
    return sizes


def _cmd_playground(args) -> int:
    # Starlette and uvicorn load only for this command.
    from denseflow.playground import cli_command

    return cli_command(args)


# ---------------------------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------------------------

_MAIN_EPILOG = """\
examples:
  denseflow train                          # shallow network (n_h = 4, tanh) on the planar flower
  denseflow train --dataset moons --layers 8 --out runs/moons
  denseflow train --dataset cat --data path/to/cat_folder --model deep --layers 20,7,5
  denseflow evaluate runs/moons/model.npz --dataset moons
  denseflow info runs/moons/model.npz      # what a model file holds
  denseflow reproduce --data path/to/cat_folder
  denseflow gradcheck --layers 5,3 --hidden-activation tanh
  denseflow graph
  denseflow playground                     # the course's network, learning live in the browser
  denseflow <command> --help               # options and examples of one command
"""

_TRAIN_EPILOG = """\
Options not given take the course's settings for the model:
  shallow   n_h 4, tanh, random init (x0.01), learning rate 1.2, 10000 iterations, seed 2
  deep      layers 20,7,5, relu, scaled init (/sqrt(n[l-1])), 0.0075, 2500 iterations, seed 1
  logistic  zeros init, learning rate 0.005, 2000 iterations
The default model is deep for --dataset cat and shallow otherwise.

Training is the course's full-batch gradient descent unless the optimization options say
otherwise (--optimizer, --batch-size, --epochs, --schedule); --lambd and --keep-prob add L2 and
dropout, --early-stopping stops when the validation cost stops improving.

Held-out data: a generated set keeps 0.2 of its points for testing (--test-fraction; the
planar flower in course mode keeps the course's 400 training points); the cat data have their
test file; a CSV file takes --test-data FILE (the same columns) or --test-fraction.

The run folder (a new one under runs/ unless --out is given; its path is printed last) gets
model.npz, history.json, metrics.json (accuracy, per-class precision/recall/F1, confusion
matrix, log-loss, ROC-AUC; MSE, MAE, R² for regression; train, validation and test each),
config.json, cost.png, confusion_matrix.png and roc.png (two classes) or predicted_vs_true.png
(regression), and decision_boundary.png (2-D data) or mislabeled.png (cat data). A progress
bar is drawn on a terminal; otherwise one line is logged every --print-every iterations.

examples:
  denseflow train
  denseflow train --json --quiet > result.json
  denseflow train --dataset circles --layers 10 --learning-rate 0.5 --iterations 5000
  denseflow train --dataset cat --data ./data --val-fraction 0.2
  denseflow train --dataset csv --data table.csv --label-column label --model deep --layers 16,8
  denseflow train --dataset csv --data train.csv --test-data test.csv --label-column price --task regression
  denseflow train --out runs/long --iterations 200000 --checkpoint-every 1000
  denseflow train --resume runs/long          # continue after a crash or Ctrl-C
  # Adam on mini-batches of 64, 200 passes over the data:
  denseflow train --dataset moons --model deep --layers 16,8 --optimizer adam --learning-rate 0.01 \\
      --batch-size 64 --epochs 200
  # L2 and dropout (keep 86 % of each hidden layer's units), with early stopping:
  denseflow train --dataset csv --data football.csv --model deep --layers 20,3 --learning-rate 0.3 \\
      --lambd 0.7 --keep-prob 0.86 --early-stopping --patience 50
"""


_THREADS_HELP = ("BLAS threads for training: auto (default: 1 for small networks and on busy cores, "
                 "else all) or N; also DENSEFLOW_NUM_THREADS")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``denseflow`` (``sweep`` is delegated before parsing)."""
    from denseflow import __version__
    from denseflow.core.activations import HIDDEN_ACTIVATIONS
    from denseflow.core.initializers import INITIALIZERS

    parser = _Parser(prog=_PROG, formatter_class=_formatter, epilog=_MAIN_EPILOG,
                     description="Neural networks in NumPy, the way the classic deep-learning course builds them.")
    parser.add_argument("--version", action="version", version=f"denseflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    def add(name, help, epilog, description=None):
        return sub.add_parser(name, help=help, description=description or help, epilog=epilog,
                              formatter_class=_formatter)

    # train ------------------------------------------------------------------------------
    from denseflow.cli.specs import DATASETS

    p = add("train", "train a model and write a run folder", _TRAIN_EPILOG)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=DATASETS, help="built-in planar data set, cat images or a CSV file "
                   "(default: planar, the course's flower)")
    g.add_argument("--data", metavar="PATH", help="the cat folder (train/test_catvnoncat.h5) or the CSV file")
    g.add_argument("--label-column", type=_column, metavar="COL",
                   help="CSV label column: index or header name (default: the last)")
    g.add_argument("--delimiter", type=delimiter, metavar="CHAR",
                   help="CSV cell separator: one character, or tab, semicolon, ... (default ',')")
    g.add_argument("--val-fraction", type=_fraction, metavar="F",
                   help="hold out this fraction of the training data for validation (default 0)")
    g.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                   help="standardize features, stored with the model (default: on for csv only)")
    g.add_argument("--test-fraction", type=_test_fraction, metavar="F",
                   help="hold out this fraction for testing, seeded (default 0.2 of a generated set; 0 for the "
                        "planar flower in course mode, for csv and cat)")
    g.add_argument("--test-data", metavar="FILE",
                   help="CSV test file with the training file's columns (scored at the end, never trained on)")
    g.add_argument("--task", choices=("classification", "regression"),
                   help="csv: regression fits real targets (identity output, squared error, standardized "
                        "targets; predictions in the original units). Default classification")
    g = p.add_argument_group("model")
    g.add_argument("--model", choices=("logistic", "shallow", "deep"), help="default: deep for cat, else shallow")
    g.add_argument("--layers", type=_sizes, metavar="N,N,...", help="hidden layer sizes, e.g. 20,7,5 (shallow: n_h)")
    g.add_argument("--hidden-activation", choices=list(HIDDEN_ACTIVATIONS), metavar="NAME",
                   help=f"one of {', '.join(HIDDEN_ACTIVATIONS)}")
    g.add_argument("--init", choices=list(INITIALIZERS), help="weight initialization")
    g.add_argument("--dtype", choices=("float64", "float32"), help="default float64")
    g = p.add_argument_group("training")
    g.add_argument("--learning-rate", type=_positive_float, metavar="ALPHA", help="α (default: the course's, see below)")
    g.add_argument("--iterations", type=_positive_int, metavar="N", help="number of gradient-descent updates")
    g.add_argument("--seed", type=seed_type, help="seed of the initialization")
    g.add_argument("--course", action=argparse.BooleanOptionalAction, default=None,
                   help="draw the initial weights as the course's notebooks do (default: on)")
    g.add_argument("--threads", type=threads, metavar="N|auto", help=_THREADS_HELP)
    from denseflow.core.optimizers import OPTIMIZERS
    from denseflow.core.schedules import SCHEDULES, schedule_name

    g = p.add_argument_group("optimization", "default: the course's full-batch gradient descent")
    g.add_argument("--optimizer", choices=list(OPTIMIZERS), help="the update rule (default gd)")
    g.add_argument("--batch-size", type=_positive_int, metavar="B",
                   help="mini-batches of B examples, the last one smaller (default: the full batch)")
    g.add_argument("--epochs", type=_positive_int, metavar="N",
                   help="passes over the training data (instead of --iterations; full batch: one pass = one update)")
    g.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=None,
                   help="reshuffle the examples every epoch (mini-batches; default on)")
    g.add_argument("--beta1", type=_beta, metavar="B1", help="momentum's β, Adam's β1 (default 0.9)")
    g.add_argument("--beta2", type=_beta, metavar="B2", help="Adam's β2, RMSprop's β (default 0.999)")
    g.add_argument("--epsilon", type=_positive_float, metavar="EPS", help="Adam's and RMSprop's ε (default 1e-8)")
    g.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=None,
                   help="Nesterov momentum (--optimizer momentum)")
    g.add_argument("--schedule", type=_schedule, metavar="NAME",
                   help=f"learning-rate schedule per epoch: {', '.join(schedule_name(n, underscore=True) for n in SCHEDULES)} "
                        f"(default constant)")
    g.add_argument("--decay-rate", type=_non_negative_float, metavar="K",
                   help="the schedule's decay rate (default: the schedule's)")
    g.add_argument("--decay-every", type=_positive_int, metavar="T",
                   help="the schedule's interval in epochs (default: the schedule's)")
    g = p.add_argument_group("regularization")
    g.add_argument("--lambd", type=_non_negative_float, metavar="λ",
                   help="L2 strength: J += λ/(2m) Σ‖W[l]‖² (default 0)")
    g.add_argument("--keep-prob", type=_keep_prob, metavar="P[,P...]",
                   help="inverted dropout: keep probability of the hidden units, one number or one per hidden "
                        "layer (default 1: no dropout)")
    g.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=None,
                   help="stop when the validation cost has not improved by --tol for --patience epochs and keep "
                        "the best weights (validation data: --val-fraction, default 0.1 with this flag)")
    g.add_argument("--patience", type=_positive_int, metavar="N", help="epochs without improvement (default 10)")
    g.add_argument("--tol", type=_non_negative_float, metavar="TOL",
                   help="the improvement of the validation cost that counts (default 1e-4)")
    g = p.add_argument_group("output")
    g.add_argument("--out", metavar="RUN_DIR", help="run folder to create (default: a new folder under runs/)")
    g.add_argument("--print-every", type=_positive_int, metavar="N",
                   help="log the cost every N iterations (default: the course's 1000 or 100)")
    g.add_argument("--checkpoint-every", type=_positive_int, metavar="N",
                   help="write RUN_DIR/checkpoint.npz every N iterations")
    g.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its last checkpoint")
    g.add_argument("--quiet", action="store_true", help="no progress bar or log lines; print only the run folder")
    g.add_argument("--json", action="store_true", help="print one JSON object with the results on stdout")
    p.set_defaults(func=_commands.cmd_train)

    # evaluate ---------------------------------------------------------------------------
    p = add("evaluate", "the metrics of a saved model on a data set", """\
Prints, for each part of the data (train, validation, test, each labelled): for a classifier the
accuracy, per-class precision, recall and F1 with their macro averages, the confusion matrix,
the log-loss and (two classes) the ROC-AUC; for a regressor MSE, MAE and R² (in the targets'
units). Scikit-learn's metrics compute them; --json prints them all.

Which data: without --dataset, --data or --test-data, the run's own data as it was split (from
config.json beside the model file). --dataset moons (or another generated set) scores the
points train held out from that set (--test-fraction, default the run's or 0.2) — or, for a
model trained on the whole set, new points drawn with another seed. --dataset cat scores both
cat files; --data FILE.csv scores every row, --test-data FILE.csv a test file (the label column
and delimiter default to the run's).

examples:
  denseflow evaluate runs/20261126-053012-shallow-planar/model.npz
  denseflow evaluate runs/moons/model.npz --dataset moons
  denseflow evaluate model.npz --dataset cat --data ./data --json
  denseflow evaluate model.npz --test-data test.csv --label-column label --out reports/test
""")
    p.add_argument("model", metavar="MODEL", help="a model file written by denseflow (model.npz)")
    p.add_argument("--dataset", choices=DATASETS, help="default: the run's data, else csv with --data/--test-data, "
                   "else planar")
    p.add_argument("--data", metavar="PATH", help="the cat folder or the CSV file")
    p.add_argument("--test-data", metavar="FILE", help="a CSV test file (the training file's columns)")
    p.add_argument("--test-fraction", type=_test_fraction, metavar="F",
                   help="generated sets: the fraction train held out (default: the run's, else train's default)")
    p.add_argument("--label-column", type=_column, metavar="COL", help="CSV label column (default: the run's, "
                   "else the last)")
    p.add_argument("--delimiter", type=delimiter, metavar="CHAR", help="CSV cell separator (default: the run's, "
                   "else ',')")
    p.add_argument("--out", metavar="DIR", help="also write DIR/metrics.json and the pictures (confusion_matrix.png "
                   "and roc.png, or predicted_vs_true.png) of the last part scored")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_commands.cmd_evaluate)

    # info -------------------------------------------------------------------------------
    p = add("info", "what a model file holds: layers, shapes, settings, classes, checks", """\
Loads the file with every check (container, digests, architecture against the weights, classes,
normalization) and prints the network layer by layer — W[l] (n[l], n[l-1]), b[l] (n[l], 1) and
the parameter count of each — the activations, output and loss, the training hyperparameters,
the class names, the input (and target) standardization, the length of the training history
and the checks the file passed. Nothing is trained or changed.

examples:
  denseflow info runs/20261126-053012-shallow-planar/model.npz
  denseflow info model.npz --json
""")
    p.add_argument("model", metavar="MODEL", help="a model file written by denseflow (model.npz)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_commands.cmd_info)

    # predict ----------------------------------------------------------------------------
    p = add("predict", "predict labels for new examples", """\
The input holds one example per row (CSV, a header line is optional) or is a NumPy .npy array
of shape (n_x, m), one column per example (the course's layout). The model's stored
standardization is applied. Output: CSV with the label, the class name (when the model has
class names) and the probabilities; to --output FILE.csv, FILE.npy (labels (1, m)) or stdout.

examples:
  denseflow predict model.npz --input new_points.csv
  denseflow predict model.npz --input X.npy --output labels.npy
  denseflow predict model.npz --input table.csv --ignore-column label --output predictions.csv
""")
    p.add_argument("model", metavar="MODEL", help="a model file written by denseflow (model.npz)")
    p.add_argument("--input", required=True, metavar="FILE", help="FILE.csv (rows = examples) or FILE.npy (n_x, m)")
    p.add_argument("--output", metavar="FILE", help="FILE.csv or FILE.npy (default: CSV on stdout)")
    p.add_argument("--ignore-column", type=_column, metavar="COL", help="a CSV column to leave out (e.g. labels)")
    p.add_argument("--delimiter", type=delimiter, metavar="CHAR", help="CSV cell separator (default ',')")
    p.set_defaults(func=_commands.cmd_predict)

    # reproduce --------------------------------------------------------------------------
    p = add("reproduce", "rerun the course's experiments and compare with its published figures", """\
Prints a table (experiment, published figure, obtained figure, match). The cat experiments run
only when --data gives the folder with train_catvnoncat.h5 and test_catvnoncat.h5. The exit
code is 1 when any figure does not match.

examples:
  denseflow reproduce
  denseflow reproduce --data ./data
  denseflow reproduce --data ./data --json
""")
    p.add_argument("--data", metavar="CAT_DIR", help="folder with the course's cat HDF5 files")
    p.add_argument("--threads", type=threads, metavar="N|auto", help=_THREADS_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=course.cmd_reproduce)

    # gradcheck --------------------------------------------------------------------------
    p = add("gradcheck", "check back-propagation against central differences", """\
Builds a small random network [inputs, layers..., outputs] on random data and compares every
gradient dW[l], db[l] with (J(θ+ε) − J(θ−ε)) / 2ε. Exit code 1 when a parameter fails.

examples:
  denseflow gradcheck
  denseflow gradcheck --layers 5,3 --hidden-activation tanh
  denseflow gradcheck --layers 4 --outputs 3 --output-activation softmax --seed 7
""")
    p.add_argument("--layers", type=_sizes, default=[4], metavar="N,N,...", help="hidden sizes (default 4)")
    p.add_argument("--inputs", type=_positive_int, default=3, metavar="N_X", help="input features (default 3)")
    p.add_argument("--outputs", type=_positive_int, default=1, metavar="N_Y", help="output units (default 1)")
    p.add_argument("--hidden-activation", choices=list(HIDDEN_ACTIVATIONS), default="relu", metavar="NAME",
                   help=f"one of {', '.join(HIDDEN_ACTIVATIONS)} (default relu)")
    p.add_argument("--output-activation", choices=("sigmoid", "softmax", "identity"), default="sigmoid")
    p.add_argument("--examples", type=_positive_int, default=4, metavar="M", help="number of examples (default 4)")
    p.add_argument("--seed", type=seed_type, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=course.cmd_gradcheck)

    # graph ------------------------------------------------------------------------------
    p = add("graph", "walk the notes' computation graph J = 3(a + bc), forward and backward", """\
Prints every value (u = bc, v = a + u, J = 3v) and every derivative with the chain rule used.
--example logistic walks one example of logistic regression instead.

examples:
  denseflow graph
  denseflow graph --a 1 --b 2 --c 3
  denseflow graph --example logistic
""")
    p.add_argument("--example", choices=("course", "logistic"), default="course")
    p.add_argument("--a", type=float, default=5.0)
    p.add_argument("--b", type=float, default=3.0)
    p.add_argument("--c", type=float, default=2.0)
    p.set_defaults(func=course.cmd_graph)

    # plot -------------------------------------------------------------------------------
    p = add("plot", "redraw the plots of a run folder", """\
Rewrites cost.png, confusion_matrix.png and roc.png (two classes) or predicted_vs_true.png
(regression) of the test set (else the validation, else the training set), and
decision_boundary.png (2-D data) or mislabeled.png (cat data).

examples:
  denseflow plot runs/20261126-053012-shallow-planar
  denseflow plot runs/cat-run --data ./data       # the data moved since training
""")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--data", metavar="PATH", help="where the run's cat folder or CSV file is now")
    p.set_defaults(func=_commands.cmd_plot)

    # playground -------------------------------------------------------------------------
    p = add("playground", "watch the course's network learn, live in the browser", """\
Starts a local web app and opens it in the browser: pick the data, the layers, the activation,
the initialization and the learning rate, then play, pause, step or reset and watch the cost
curves, the decision boundary, every hidden unit and the course's shapes and formulas. It hands
back the model file, the `denseflow train` command and the Python code that reproduce the run.
Stop it with Ctrl-C.

The server listens on loopback only unless --host says otherwise, and refuses requests whose
Host or Origin is not its own.

examples:
  denseflow playground
  denseflow playground --port 9000 --no-browser
""")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int_at_least(0, 65535), default=8765,
                   help="port to listen on; 0 picks a free one (default 8765)")
    p.add_argument("--no-browser", action="store_true", help="print the address, do not open a browser")
    p.set_defaults(func=_cmd_playground)

    # sweep (delegated) ------------------------------------------------------------------
    sub.add_parser("sweep", help="hyperparameter sweeps with Optuna (see 'denseflow sweep --help')",
                   add_help=False)
    return parser


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------


class _threads_setting:
    """``--threads`` as ``DENSEFLOW_NUM_THREADS`` for the command (every fit reads it), restored after."""

    def __init__(self, value):
        from denseflow.training.threads import ENV_VARIABLE

        self.name, self.value, self.before = ENV_VARIABLE, value, None

    def __enter__(self):
        if self.value is not None:
            self.before = os.environ.get(self.name)
            os.environ[self.name] = str(self.value)
        return self

    def __exit__(self, *exc):
        if self.value is not None:
            if self.before is None:
                os.environ.pop(self.name, None)
            else:
                os.environ[self.name] = self.before
        return False


def _error(message: str, code: int, prefix: str = f"{_PROG}: error: ") -> int:
    line = " ".join(str(message).split())
    print(f"{prefix}{line}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    """Run the ``denseflow`` command line; returns the exit code (0, 1 or 2).

    Examples
    --------
    >>> main(["graph"])  # doctest: +ELLIPSIS
    Forward pass ...
    0
    """
    from denseflow.io.npz import ModelFileError
    from denseflow.training.loop import TrainingDivergedError

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    debug = bool(os.environ.get("DENSEFLOW_DEBUG"))
    try:
        if argv and argv[0] == "sweep":
            # Loaded only for `denseflow sweep`, so the other commands never import the sweep code.
            sweep = importlib.import_module("denseflow.cli.sweep")
            return int(sweep.main(argv[1:]) or 0)
        args = build_parser().parse_args(argv)
        with _threads_setting(getattr(args, "threads", None)):
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that went away shows here, not at the interpreter's exit
        return code
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except UsageError as exc:
        return _error(str(exc), 2, prefix="")
    except TrainingDivergedError as exc:
        if debug:
            raise
        return _error(str(exc), 1)
    except (ModelFileError, FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError,
            ValueError, TypeError) as exc:
        if debug:
            raise
        return _error(str(exc), 2)
    except KeyboardInterrupt:
        return _error("interrupted", 130)
    except BrokenPipeError:
        return stdout_gone()
    except ImportError as exc:
        if debug:
            raise
        return _error(f"{exc} (a package denseflow needs for this command is missing; "
                      f"pip install \"denseflow[all]\")", 1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a command-line tool
        if debug:
            raise
        return _error(f"{type(exc).__name__}: {exc} (set DENSEFLOW_DEBUG=1 for the traceback)", 1)
