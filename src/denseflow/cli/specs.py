"""A run's settings (its *spec*) for ``denseflow train``: the defaults, the checks, the restart command.

A spec is a JSON-able dict holding every setting of a run (data set, held-out data, model,
hyperparameters, the second course's optimization and regularization options, print and
checkpoint periods). :func:`resolve_spec` builds it from the parsed arguments, filling what was
not given with the course's settings and refusing options that mean nothing together;
:func:`spec_command` writes it back as the ``denseflow train`` command that starts the run again.
:mod:`denseflow.cli.runs` loads the data and builds the model a spec names, and writes it to
``config.json`` and into every checkpoint.

Only the standard library is imported here (the registries of optimizers and schedules, when
a spec is checked).

Examples
--------
>>> default_test_fraction("moons", course=True), default_test_fraction("planar", course=True)
(0.2, 0.0)
>>> run_length({"epochs": None, "iterations": 2500}), run_length({"epochs": 40, "iterations": 2500})
(2500, 40)
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["MODEL_DEFAULTS", "PLANAR", "DATASETS", "TRAINING_OPTIONS", "SPEC_OPTIONS", "REQUIRED_SPEC",
           "LATER_SPEC", "resolve_spec", "fill_later_options", "default_test_fraction", "training_parameters",
           "model_errors_in_flags", "spec_command", "run_length"]


#: The course's settings for each model (week 2 logistic regression, week 3 shallow network on the
#: flower, week 4 deep network on the cats). Used for every option not given on the command line.
MODEL_DEFAULTS = {
    "logistic": dict(layers=[], hidden_activation=None, init="zeros", learning_rate=0.005, iterations=2000,
                     seed=None, print_every=100),
    "shallow": dict(layers=[4], hidden_activation="tanh", init="random", learning_rate=1.2, iterations=10000,
                    seed=2, print_every=1000),
    "deep": dict(layers=[20, 7, 5], hidden_activation="relu", init="scaled", learning_rate=0.0075,
                 iterations=2500, seed=1, print_every=100),
}


PLANAR = ("planar", "moons", "circles", "blobs", "gaussian-quantiles")


DATASETS = PLANAR + ("cat", "csv")


#: The optimization and regularization options (issue 15): spec key → (flag, the Network parameter
#: it sets, its default). The default is the course's full-batch gradient descent, so a spec
#: written before them (an older checkpoint) reads as it was.
TRAINING_OPTIONS = {
    "optimizer": ("--optimizer", "optimizer", "gd"),
    "beta1": ("--beta1", "beta1", 0.9),
    "beta2": ("--beta2", "beta2", 0.999),
    "epsilon": ("--epsilon", "epsilon", 1e-8),
    "nesterov": ("--nesterov", "nesterov", False),
    "batch_size": ("--batch-size", "batch_size", None),
    "epochs": ("--epochs", "num_epochs", None),
    "shuffle": ("--no-shuffle", "shuffle", True),
    "schedule": ("--schedule", "learning_rate_schedule", "constant"),
    "decay_rate": ("--decay-rate", "decay_rate", None),
    "decay_every": ("--decay-every", "time_interval", None),
    "lambd": ("--lambd", "lambd", 0.0),
    "keep_prob": ("--keep-prob", "keep_prob", 1.0),
    "early_stopping": ("--early-stopping", "early_stopping", False),
    "patience": ("--patience", "patience", 10),
    "tol": ("--tol", "tol", 1e-4),
}


#: Options that define a run: they cannot change when it is resumed.
SPEC_OPTIONS = ("dataset", "data", "label_column", "delimiter", "model", "layers", "hidden_activation", "init",
                "learning_rate", "seed", "course", "dtype", "val_fraction", "standardize", "task", "test_fraction",
                "test_data", *(k for k in TRAINING_OPTIONS if k != "epochs"))


#: Options every checkpoint's spec holds (those added later take their defaults when absent).
REQUIRED_SPEC = ("dataset", "data", "label_column", "model", "layers", "hidden_activation", "init", "learning_rate",
                  "seed", "course", "dtype", "val_fraction", "standardize")


#: What a spec written before an option existed means by its absence.
LATER_SPEC = {"delimiter": ",", "task": "classification", "test_fraction": 0.0, "test_data": None,
               **{k: default for k, (_, _, default) in TRAINING_OPTIONS.items()}}


def default_test_fraction(dataset: str, course: bool) -> float:
    """The held-out test part of a data set when ``--test-fraction`` is not given.

    0.2 of a generated set; none of the planar flower in course mode (the course trains on all
    400 points and prints 90.75 % training accuracy); none of a CSV file (``--test-data`` or
    ``--test-fraction`` ask for one); the cat data come with their own test set.

    >>> default_test_fraction("moons", True), default_test_fraction("planar", True)
    (0.2, 0.0)
    """
    if dataset in PLANAR:
        return 0.0 if dataset == "planar" and course else 0.2
    return 0.0


def _check_training_options(args, model: str, layers: list, optimizer: str, batch_size) -> None:
    """Options that mean nothing with the others given are one-line errors, not silently ignored."""
    from denseflow.core.schedules import SCHEDULES, schedule_name

    def given(name):
        return getattr(args, name, None) is not None

    momentum_like = {"momentum": "momentum's β", "adam": "Adam's β1"}
    if given("nesterov") and args.nesterov and optimizer != "momentum":
        raise ValueError(f"--nesterov applies to --optimizer momentum only; the optimizer is {optimizer!r}.")
    if given("beta1") and optimizer not in momentum_like:
        raise ValueError(f"--beta1 (momentum's β, Adam's β1) applies to --optimizer momentum or adam; the optimizer "
                         f"is {optimizer!r}.")
    for flag, name in (("--beta2", "beta2"), ("--epsilon", "epsilon")):
        if given(name) and optimizer not in ("rmsprop", "adam"):
            raise ValueError(f"{flag} applies to --optimizer rmsprop or adam; the optimizer is {optimizer!r}.")
    if given("shuffle") and not args.shuffle and batch_size is None:
        raise ValueError("--no-shuffle applies to mini-batches (--batch-size N); full-batch training sees every "
                         "example in every update.")
    if given("epochs") and given("iterations"):
        raise ValueError("--epochs and --iterations both set the length of training; give one of them (--epochs N: "
                         "N passes over the data; without --batch-size one pass is one update).")
    schedule = schedule_name(getattr(args, "schedule", None) or "constant", "--schedule", "denseflow train")
    takes = SCHEDULES[schedule].hyperparameters
    for flag, name, parameter in (("--decay-rate", "decay_rate", "decay_rate"),
                                  ("--decay-every", "decay_every", "time_interval")):
        if given(name) and parameter not in takes:
            raise ValueError(f"{flag} does not apply to --schedule {schedule_name(schedule, underscore=True)}; use "
                             f"--schedule inverse_time, exponential or step.")
    for flag, name in (("--patience", "patience"), ("--tol", "tol")):
        if given(name) and not getattr(args, "early_stopping", None):
            raise ValueError(f"{flag} applies with --early-stopping only.")
    keep = getattr(args, "keep_prob", None)
    if keep is not None:
        if model == "logistic" and keep != 1.0 and keep != [1.0]:
            raise ValueError("--keep-prob (dropout of the hidden layers) does not apply to --model logistic: it has "
                             "no hidden layer.")
        if isinstance(keep, list) and len(keep) != len(layers):
            raise ValueError(f"--keep-prob gives {len(keep)} probabilities, but the network has {len(layers)} hidden "
                             f"layer(s) ({','.join(map(str, layers))}): give one number, or one per hidden layer.")


def resolve_spec(args) -> dict:
    """Fill the options not given (None) with the course's defaults for the model; check them."""
    dataset = args.dataset or "planar"
    if dataset in ("cat", "csv") and not args.data:
        what = "the folder holding train_catvnoncat.h5 and test_catvnoncat.h5" if dataset == "cat" else "a CSV file"
        raise ValueError(f"--dataset {dataset} needs --data PATH ({what}).")
    if dataset in PLANAR and args.data:
        raise ValueError(f"--data applies to --dataset cat or csv only; --dataset {dataset} is built in.")
    if args.label_column is not None and dataset != "csv":
        raise ValueError("--label-column applies to --dataset csv only.")
    if getattr(args, "delimiter", None) is not None and dataset != "csv":
        raise ValueError("--delimiter applies to --dataset csv only.")
    task = getattr(args, "task", None) or "classification"
    if task == "regression" and dataset != "csv":
        raise ValueError(f"--task regression applies to --dataset csv only (a column of real-valued targets); "
                         f"--dataset {dataset} holds class labels.")
    test_data = getattr(args, "test_data", None)
    test_fraction = getattr(args, "test_fraction", None)
    if test_data is not None and dataset != "csv":
        raise ValueError(f"--test-data applies to --dataset csv only (a CSV file with the training file's columns); "
                         f"--dataset {dataset} " + ("comes with its own test set." if dataset == "cat" else
                                                    "holds out --test-fraction of its points."))
    if test_fraction is not None and dataset == "cat":
        raise ValueError("--test-fraction does not apply to --dataset cat: the cat data come with their own test set "
                         "(test_catvnoncat.h5).")
    if test_fraction is not None and test_data is not None:
        raise ValueError("--test-data and --test-fraction exclude each other: the test set is either another file "
                         "or a part of the training file.")
    model = args.model or ("deep" if dataset == "cat" else "shallow")
    d = MODEL_DEFAULTS[model]
    layers = d["layers"] if args.layers is None else list(args.layers)
    if model == "logistic" and layers:
        raise ValueError("--layers does not apply to --model logistic (it has no hidden layer); "
                         "use --model shallow or --model deep.")
    if model == "logistic" and args.hidden_activation is not None:
        raise ValueError("--hidden-activation does not apply to --model logistic (it has no hidden layer).")
    if model == "shallow" and len(layers) != 1:
        raise ValueError(f"--model shallow has one hidden layer, so --layers takes one size (n_h), e.g. "
                         f"--layers 4; got {','.join(map(str, layers))}. Use --model deep for several.")
    if model == "deep" and not layers:
        raise ValueError("--model deep needs at least one hidden layer, e.g. --layers 20,7,5.")
    optimizer = getattr(args, "optimizer", None) or "gd"
    batch_size = getattr(args, "batch_size", None)
    _check_training_options(args, model, layers, optimizer, batch_size)
    data = None
    if args.data:
        data = str(Path(args.data).expanduser().resolve())
        if not Path(data).exists():
            raise FileNotFoundError(f"--data {args.data}: no such file or folder.")
    if test_data is not None:
        test_data = str(Path(test_data).expanduser().resolve())
        if not Path(test_data).is_file():
            raise FileNotFoundError(f"--test-data {args.test_data}: no such file.")
    course = True if args.course is None else bool(args.course)
    if test_fraction is None:
        test_fraction = default_test_fraction(dataset, course)
    early_stopping = bool(getattr(args, "early_stopping", None))
    val_fraction = float(args.val_fraction or 0.0)
    if early_stopping and args.val_fraction is None:
        val_fraction = 0.1  # the validation data early stopping watches, held out and reported as such
    elif early_stopping and not val_fraction:
        raise ValueError("--early-stopping watches the validation cost, but --val-fraction 0 holds out no "
                         "validation data: give --val-fraction a number in (0, 1), or leave it out (0.1).")
    label_column = args.label_column if args.label_column is not None else -1
    spec = dict(
        dataset=dataset,
        data=data,
        label_column=label_column,
        delimiter=getattr(args, "delimiter", None) or ",",
        model=model,
        layers=[int(n) for n in layers],
        hidden_activation=args.hidden_activation or d["hidden_activation"],
        init=args.init or d["init"],
        learning_rate=float(args.learning_rate if args.learning_rate is not None else d["learning_rate"]),
        iterations=int(args.iterations if args.iterations is not None else d["iterations"]),
        seed=args.seed if args.seed is not None else d["seed"],
        course=course,
        dtype=args.dtype or "float64",
        val_fraction=val_fraction,
        standardize=(dataset == "csv") if args.standardize is None else bool(args.standardize),
        task=task,
        test_fraction=float(test_fraction),
        test_data=test_data,
        print_every=int(args.print_every or d["print_every"]),
        checkpoint_every=args.checkpoint_every,
    )
    for key, (_, _, default) in TRAINING_OPTIONS.items():
        value = getattr(args, key, None)
        spec[key] = default if value is None else value
    spec["early_stopping"] = early_stopping
    if isinstance(spec["keep_prob"], list) and len(spec["keep_prob"]) == 1:
        spec["keep_prob"] = spec["keep_prob"][0]
    if spec["epochs"] is not None and args.print_every is None:
        spec["print_every"] = max(1, spec["epochs"] // 10)
    return spec


def fill_later_options(spec: dict) -> dict:
    """A spec written before some options existed, with their defaults (what the run used)."""
    for key, default in LATER_SPEC.items():
        spec.setdefault(key, default)
    return spec


def training_parameters(spec: dict) -> dict:
    """The Network parameters of the spec's optimization and regularization options, those not at their
    defaults (so a spec of full-batch gradient descent builds the model exactly as before them)."""
    params = {}
    for key, (_, parameter, default) in TRAINING_OPTIONS.items():
        value = spec.get(key, default)
        if value != default:
            params[parameter] = value
    if spec.get("early_stopping"):
        params["validation_fraction"] = spec["val_fraction"]  # fit gets the CLI's held-out part as X_val
    return params


_PARAMETER_FLAGS = {parameter: flag for flag, parameter, _ in TRAINING_OPTIONS.values()}
_PARAMETER_FLAGS.update(learning_rate="--learning-rate", num_iterations="--iterations", initialization="--init",
                        hidden_activation="--hidden-activation", n_h="--layers", layer_dims="--layers")


def model_errors_in_flags(message: str) -> str:
    """A model's hyperparameter error in the command line's words.

    >>> model_errors_in_flags("The 'lambd' parameter of DeepNetwork must be a number >= 0. Got -1 instead.")
    'The value of --lambd must be a number >= 0. Got -1 instead.'
    """
    return re.sub(r"The '(\w+)' parameter of \w+",
                  lambda mo: f"The value of {_PARAMETER_FLAGS[mo[1]]}" if mo[1] in _PARAMETER_FLAGS else mo[0],
                  message)


def spec_command(spec: dict, run_dir) -> str:
    """The ``denseflow train`` command that starts the run of ``spec`` again in ``run_dir``.

    >>> spec_command(dict(dataset="moons", data=None, label_column=-1, model="shallow", layers=[8],
    ...                   hidden_activation="tanh", init="random", learning_rate=1.2, iterations=500,
    ...                   seed=2, course=True, dtype="float64", val_fraction=0.0, standardize=False,
    ...                   print_every=1000, checkpoint_every=None), "runs/m")
    'denseflow train --out runs/m --dataset moons --model shallow --layers 8 --hidden-activation tanh --init random --learning-rate 1.2 --iterations 500 --seed 2 --course --dtype float64 --no-standardize --test-fraction 0.0 --print-every 1000'
    """
    import shlex

    args = ["denseflow", "train", "--out", str(run_dir), "--dataset", spec["dataset"]]
    if spec.get("data"):
        args += ["--data", spec["data"]]
    if spec["dataset"] == "csv":
        args += ["--label-column", str(spec["label_column"])]
        if spec.get("delimiter", ",") != ",":
            args += ["--delimiter", spec["delimiter"]]
    args += ["--model", spec["model"]]
    if spec["layers"]:
        args += ["--layers", ",".join(str(n) for n in spec["layers"])]
    if spec["model"] != "logistic":
        args += ["--hidden-activation", spec["hidden_activation"]]
    args += ["--init", spec["init"], "--learning-rate", repr(float(spec["learning_rate"]))]
    if spec.get("epochs") is None:
        args += ["--iterations", str(spec["iterations"])]
    if spec["seed"] is not None:
        args += ["--seed", str(spec["seed"])]
    args += ["--course" if spec["course"] else "--no-course", "--dtype", spec["dtype"]]
    if spec["val_fraction"]:
        args += ["--val-fraction", repr(float(spec["val_fraction"]))]
    args += ["--standardize" if spec["standardize"] else "--no-standardize"]
    if spec.get("task", "classification") != "classification":
        args += ["--task", spec["task"]]
    if spec.get("test_data"):
        args += ["--test-data", spec["test_data"]]
    elif spec["dataset"] != "cat":
        args += ["--test-fraction", repr(float(spec.get("test_fraction", 0.0)))]
    for key, (flag, _, default) in TRAINING_OPTIONS.items():
        value = spec.get(key, default)
        if value == default:
            continue
        if isinstance(value, bool):
            args.append(flag)  # the flag sets the value other than the default
        elif isinstance(value, list):
            args += [flag, ",".join(repr(float(v)) for v in value)]
        else:
            args += [flag, repr(value) if isinstance(value, float) else str(value)]
    args += ["--print-every", str(spec["print_every"])]
    if spec.get("checkpoint_every"):
        args += ["--checkpoint-every", str(spec["checkpoint_every"])]
    return shlex.join(args)


def run_length(spec: dict) -> int:
    """The run's length in the unit its history counts: epochs when given, else iterations."""
    return int(spec["epochs"]) if spec.get("epochs") is not None else int(spec["iterations"])
