"""Run folders for the command line: ``denseflow train`` (fresh or ``--resume``) and ``denseflow plot``.

A *spec* is a JSON-able dict holding every setting of a run (data set, model, hyperparameters,
print and checkpoint periods). It is written to ``config.json`` and into every checkpoint, so a
run can be resumed — or its plots redrawn — from its folder alone. A run folder holds:

================== ==============================================================
``config.json``    the spec and the model's configuration (written first)
``checkpoint.npz`` the last checkpoint, with ``--checkpoint-every N``
``model.npz``      the fitted model (:func:`denseflow.save`)
``history.json``   the :class:`~denseflow.training.History`
``metrics.json``   the summary (what ``--json`` prints)
``cost.png``       the cost curve; ``decision_boundary.png`` (2-D data) or
                   ``mislabeled.png`` (image data)
================== ==============================================================

Every file is written atomically (:func:`denseflow.io.atomic_write`, :func:`denseflow.io.write_json`).
A run holds its folder under a lock (:class:`RunLock`) from the claim to the end, so two runs
cannot write one folder; a folder holding only the ``config.json`` of a run that left nothing to
resume is reused by the next ``--out``, and after Ctrl-C the command line prints how to continue.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from denseflow.io.modelfile import CheckpointWriter, load_checkpoint, save
from denseflow.io.npz import write_json

__all__ = ["MODEL_DEFAULTS", "PLANAR", "resolve_spec", "load_data", "build_model", "train_run", "plot_run",
           "RunLock", "new_run_dir", "spec_command", "in_flags", "errors_in_flags"]

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
#: Options that define a run: they cannot change when it is resumed.
SPEC_OPTIONS = ("dataset", "data", "label_column", "delimiter", "model", "layers", "hidden_activation", "init",
                "learning_rate", "seed", "course", "dtype", "val_fraction", "standardize")
#: Options every checkpoint's spec holds (``delimiter`` came later: ',' when absent).
_REQUIRED_SPEC = tuple(o for o in SPEC_OPTIONS if o != "delimiter")


class Data(NamedTuple):
    X: np.ndarray
    Y: np.ndarray
    X_val: np.ndarray | None
    Y_val: np.ndarray | None
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    class_names: list | None
    description: str


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
    data = None
    if args.data:
        data = str(Path(args.data).expanduser().resolve())
        if not Path(data).exists():
            raise FileNotFoundError(f"--data {args.data}: no such file or folder.")
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
        course=True if args.course is None else bool(args.course),
        dtype=args.dtype or "float64",
        val_fraction=float(args.val_fraction or 0.0),
        standardize=(dataset == "csv") if args.standardize is None else bool(args.standardize),
        print_every=int(args.print_every or d["print_every"]),
        checkpoint_every=args.checkpoint_every,
    )
    return spec


def load_data(spec: dict) -> Data:
    """The training (and validation, test) data a spec names."""
    from denseflow import datasets

    name = spec["dataset"]
    X_test = Y_test = class_names = None
    if name in PLANAR:
        X, Y = datasets.load_dataset(name)
        desc = f"{name} ({X.shape[1]} examples)"
    elif name == "cat":
        cat = datasets.load_cat(spec["data"])
        X, Y, X_test, Y_test = cat.train_X, cat.train_Y, cat.test_X, cat.test_Y
        class_names = [str(c) for c in cat.classes]
        desc = f"cat ({X.shape[1]} training, {X_test.shape[1]} test images)"
    elif name == "csv":
        with errors_in_flags():
            csv = datasets.load_csv(spec["data"], label_column=spec["label_column"],
                                    delimiter=spec.get("delimiter", ","))
        X, Y = csv.X, csv.Y
        if csv.classes is not None:
            class_names = [str(c) for c in csv.classes]
        _check_two_classes(Y, class_names, spec["data"], csv.label_name)
        if spec["standardize"]:
            datasets.standardization_stats(X, csv.feature_names)  # names an overflowing column
        desc = f"{Path(spec['data']).name} ({X.shape[1]} rows, {X.shape[0]} features)"
    else:  # resolve_spec and argparse choices keep this unreachable
        raise ValueError(f"Unknown dataset {name!r}; expected one of {list(DATASETS)}.")
    X_val = Y_val = None
    if spec["val_fraction"] > 0:
        X, Y, X_val, Y_val = datasets.train_val_split(X, Y, spec["val_fraction"], seed=0)
        desc += f", {X_val.shape[1]} held out for validation"
    return Data(X, Y, X_val, Y_val, X_test, Y_test, class_names, desc)


def _check_two_classes(Y, class_names, path, label_name) -> None:
    """A classifier needs two classes: refuse a file whose labels are all the same (exit code 2)."""
    values = np.unique(Y)
    if len(values) < 2:
        label = class_names[int(values[0])] if class_names else f"{values[0]:g}"
        raise ValueError(f"{path}: every label in column {label_name!r} is {label!r}; a classifier needs at "
                         f"least two classes (as scikit-learn's classifiers, denseflow refuses one).")


_FLAGS = {"label_column": "--label-column", "ignore_column": "--ignore-column", "delimiter": "--delimiter",
          "path": "--data", "has_header": "the header line"}


def in_flags(message: str) -> str:
    """A data loader's error message in the command line's words (flags, not parameter names).

    >>> in_flags("The 'label_column' parameter of load_csv is 'kind', which is not a column of t.csv.")
    "--label-column is 'kind', which is not a column of t.csv."
    >>> in_flags("The first line contains ';': is it the delimiter (delimiter=';')?")
    "The first line contains ';': is it the delimiter (--delimiter ';')?"
    """
    message = re.sub(r"The '(\w+)' parameter of load_\w+",
                     lambda mo: _FLAGS.get(mo[1], "--" + mo[1].replace("_", "-")), message)
    return re.sub(r"\bdelimiter=('[^']*'|\"[^\"]*\")", r"--delimiter \1", message)


class errors_in_flags:
    """A block whose ValueError / TypeError messages from the data loaders are put in flags' words."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and kind in (ValueError, TypeError) and exc.args:
            exc.args = (in_flags(str(exc.args[0])), *exc.args[1:])
        return False


def _data_digest(data: Data) -> str:
    h = hashlib.sha256()
    for arr in (data.X, data.Y):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    return h.hexdigest()


def build_model(spec: dict, data: Data):
    """The unfitted model a spec names, sized for the data."""
    from denseflow.models.networks import (
        DeepNetwork,
        LogisticRegression,
        ShallowNetwork,
    )

    common = dict(learning_rate=spec["learning_rate"], num_iterations=spec["iterations"],
                  initialization=spec["init"], seed=spec["seed"], course=spec["course"], dtype=spec["dtype"],
                  standardize=spec["standardize"])
    kind = spec["model"]
    if kind == "logistic":
        return LogisticRegression(**common)
    if kind == "shallow":
        return ShallowNetwork(n_h=spec["layers"][0], hidden_activation=spec["hidden_activation"], **common)
    values = np.unique(data.Y)
    n_y = 1 if np.all(np.isin(values, (0, 1))) else int(values.max()) + 1
    return DeepNetwork([data.X.shape[0], *spec["layers"], n_y], hidden_activation=spec["hidden_activation"],
                       **common)


class RunLock:
    """An exclusive lock on a run folder, held while one ``denseflow train`` uses it.

    ``flock`` on the folder itself (no file is added to it): the kernel releases it when the
    process ends, however it ends (a kill -9 included), so a lock is never stale. Where ``flock``
    does not exist (Windows) nothing is locked.
    """

    def __init__(self, folder: Path, option: str):
        self.folder, self.fd = Path(folder), None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValueError(f"{option} {folder}: another denseflow run is using this folder right now; wait "
                             f"for it to end, or choose another folder.") from None
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


_TEMPORARY = re.compile(r"^\..+\.tmp$")  # what an atomic write killed midway leaves (io.atomic_write)


def _is_run_config(path: Path) -> bool:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("command") == "train" and isinstance(config.get("spec"), dict)


def _leftover_only(folder: Path) -> bool:
    """True when ``folder`` holds only the remains of a run that left nothing to resume.

    That is a ``config.json`` written by ``denseflow train`` (and temporary files of writes a
    kill cut short): the run diverged, was interrupted or killed before its first checkpoint.
    """
    names = {p.name for p in folder.iterdir() if not _TEMPORARY.match(p.name)}
    return names == {"config.json"} and _is_run_config(folder / "config.json")


def _refuse_used_folder(out: Path) -> bool:
    """Raise unless ``out`` is absent, empty or only a leftover; True for a leftover."""
    if not out.exists():
        return False
    if not out.is_dir():
        raise ValueError(f"--out {out}: a file of that name exists; choose a folder name.")
    if not any(out.iterdir()):
        return False
    if _leftover_only(out):
        return True
    if (out / "checkpoint.npz").exists():
        hint = f"continue it with --resume {out} (--iterations N to train a finished run further)"
    elif (out / "model.npz").exists():
        hint = "it holds a finished run, trained without checkpoints"
    else:
        hint = "it is not a denseflow run folder"
    raise ValueError(f"--out {out}: the folder exists and is not empty; choose a new folder (runs are never "
                     f"overwritten), or {hint}.")


def new_run_dir(spec: dict, out=None, root="runs"):
    """Claim a run folder: ``(path, RunLock)``.

    ``out`` must be absent, empty, or hold only the ``config.json`` of a run that stopped
    before its first checkpoint (it is then reused, with a note on stderr). Without ``out``, a
    new ``runs/<time>-<model>-<dataset>`` folder. The folder is locked (:class:`RunLock`) and
    checked again under the lock, so two runs started together with the same ``--out`` cannot
    both claim it: one of them gets a one-line error.
    """
    if out is not None:
        out = Path(out)
        _refuse_used_folder(out)  # before anything is written
        out.mkdir(parents=True, exist_ok=True)
        lock = RunLock(out, "--out")
        try:
            if _refuse_used_folder(out):
                print(f"denseflow: note: --out {out} held only the config.json of a run that stopped before "
                      f"its first checkpoint; starting over in it.", file=sys.stderr)
        except BaseException:
            lock.release()
            raise
        return out, lock
    stem = f"{datetime.now():%Y%m%d-%H%M%S}-{spec['model']}-{spec['dataset']}"
    Path(root).mkdir(parents=True, exist_ok=True)
    for k in range(1, 1000):
        candidate = Path(root) / (stem if k == 1 else f"{stem}-{k}")
        try:
            candidate.mkdir()  # exclusive: never exist_ok
        except FileExistsError:
            continue
        return candidate, RunLock(candidate, "--out")
    raise RuntimeError(f"Could not create a new run folder under {root}/ ({stem}-*).")


def spec_command(spec: dict, run_dir) -> str:
    """The ``denseflow train`` command that starts the run of ``spec`` again in ``run_dir``.

    >>> spec_command(dict(dataset="moons", data=None, label_column=-1, model="shallow", layers=[8],
    ...                   hidden_activation="tanh", init="random", learning_rate=1.2, iterations=500,
    ...                   seed=2, course=True, dtype="float64", val_fraction=0.0, standardize=False,
    ...                   print_every=1000, checkpoint_every=None), "runs/m")
    'denseflow train --out runs/m --dataset moons --model shallow --layers 8 --hidden-activation tanh --init random --learning-rate 1.2 --iterations 500 --seed 2 --course --dtype float64 --no-standardize --print-every 1000'
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
    args += ["--init", spec["init"], "--learning-rate", repr(float(spec["learning_rate"])),
             "--iterations", str(spec["iterations"])]
    if spec["seed"] is not None:
        args += ["--seed", str(spec["seed"])]
    args += ["--course" if spec["course"] else "--no-course", "--dtype", spec["dtype"]]
    if spec["val_fraction"]:
        args += ["--val-fraction", repr(float(spec["val_fraction"]))]
    args += ["--standardize" if spec["standardize"] else "--no-standardize", "--print-every", str(spec["print_every"])]
    if spec.get("checkpoint_every"):
        args += ["--checkpoint-every", str(spec["checkpoint_every"])]
    return shlex.join(args)


def _accuracy(model, X, Y):
    return None if X is None else float(model.accuracy(X, Y))


def _plots(model, spec, data: Data, run_dir: Path) -> list:
    """Draw the run's pictures; returns the paths written."""
    from denseflow.plots import (
        plot_cost,
        plot_decision_boundary,
        plot_mislabeled,
        save_figure,
    )

    written = []
    fig = plot_cost(model.history_, learning_rate=spec["learning_rate"])
    written.append(save_figure(fig, run_dir / "cost.png"))
    if data.X.shape[0] == 2:
        X, Y = data.X, data.Y
        if data.X_val is not None:
            X, Y = np.hstack([X, data.X_val]), np.hstack([Y, data.Y_val])
        fig = plot_decision_boundary(model, X, Y)
        written.append(save_figure(fig, run_dir / "decision_boundary.png"))
    elif spec["dataset"] == "cat":
        X, Y = (data.X_test, data.Y_test) if data.X_test is not None else (data.X, data.Y)
        fig = plot_mislabeled(model, X, Y, classes=data.class_names)
        written.append(save_figure(fig, run_dir / "mislabeled.png"))
    return written


def train_run(spec: dict, **kwargs) -> dict:
    """Train (or resume) a run; returns the metrics dict (what ``--json`` prints).

    Keywords: ``out``, ``resume_dir``, ``quiet``, ``stream``, ``bar``. The run folder is locked
    (:class:`RunLock`) from its claim to the end.
    """
    locks = []
    try:
        return _train_run(spec, locks=locks, **kwargs)
    finally:
        for lock in locks:
            lock.release()


def _no_checkpoint_message(run_dir: Path) -> str:
    """Why ``--resume run_dir`` cannot work, and the command that starts the run again."""
    config = run_dir / "config.json"
    if (run_dir / "model.npz").exists():
        return (f"--resume {run_dir}: the folder has no checkpoint.npz: the run finished without checkpoints "
                f"(it was trained without --checkpoint-every N), so it cannot be trained further; start a new run.")
    if _is_run_config(config):
        spec = json.loads(config.read_text(encoding="utf-8"))["spec"]
        every = spec.get("checkpoint_every")
        why = ("it stopped before its first checkpoint" if every else "it ran without --checkpoint-every N")
        if not every:
            spec = {**spec, "checkpoint_every": max(1, int(spec["iterations"]) // 10)}
        return (f"--resume {run_dir}: the folder has no checkpoint.npz ({why}), so there is nothing to resume. "
                f"Start the run again in the same folder: {spec_command(spec, run_dir)}")
    return (f"--resume {run_dir}: the folder has no checkpoint.npz (the run was not trained with "
            f"--checkpoint-every N, or stopped before its first checkpoint); start it again.")


def _interrupted_message(run_dir: Path, spec: dict) -> str:
    """What to do after Ctrl-C: where the checkpoint is and the exact command to continue."""
    ck_path = run_dir / "checkpoint.npz"
    if ck_path.exists():
        try:
            done = load_checkpoint(ck_path).checkpoint.iteration
        except ValueError:  # a damaged checkpoint: say where it is all the same
            done = "?"
        return (f"denseflow: interrupted. The last checkpoint (iteration {done} of {spec['iterations']}) is "
                f"{ck_path}; continue the run with:\n  denseflow train --resume {run_dir}")
    every = spec.get("checkpoint_every")
    why = "before its first checkpoint" if every else "and it wrote no checkpoints (no --checkpoint-every N)"
    again = spec if every else {**spec, "checkpoint_every": max(1, int(spec["iterations"]) // 10)}
    return (f"denseflow: interrupted {why}: nothing can be resumed. Start the run again in the same folder "
            f"with:\n  {spec_command(again, run_dir)}")


def _train_run(spec: dict, *, locks: list, out=None, resume_dir=None, iterations=None, quiet=False, stream=None,
               bar=None) -> dict:
    from denseflow.cli.progress import Progress
    from denseflow.models.networks import Network
    from denseflow.training import TrainingWarning

    checkpoint = None
    if resume_dir is not None:
        run_dir = Path(resume_dir)
        ck_path = run_dir / "checkpoint.npz"
        if not run_dir.is_dir():
            raise FileNotFoundError(f"--resume {resume_dir}: no such run folder.")
        if not ck_path.exists():
            raise ValueError(_no_checkpoint_message(run_dir))
        locks.append(RunLock(run_dir, "--resume"))
        loaded = load_checkpoint(ck_path)
        saved = loaded.extra.get("spec")
        if not isinstance(saved, dict) or not set(_REQUIRED_SPEC) <= set(saved):
            raise ValueError(f"{ck_path}: the checkpoint does not hold the run's settings (extra['spec']); "
                             f"it was not written by 'denseflow train'.")
        saved.setdefault("delimiter", ",")
        finished_iterations = saved["iterations"] if (run_dir / "metrics.json").exists() else None
        for key, value in spec.items():  # --print-every, --checkpoint-every, --iterations may change
            if value is not None:
                saved[key] = value
        if finished_iterations is not None and saved["iterations"] <= finished_iterations:
            raise ValueError(f"--resume {resume_dir}: the run already finished its {finished_iterations} "
                             f"iterations; pass --iterations N (more than {finished_iterations}) to train it further.")
        spec = saved
        checkpoint = loaded.checkpoint
        data = load_data(spec)
        if _data_digest(data) != spec.get("data_sha256"):
            raise ValueError(f"--resume {resume_dir}: the training data differ from the data the run started "
                             f"with ({spec['dataset']} {spec.get('data') or ''}); resuming would not continue "
                             f"the same run.")
        model = Network.from_config(loaded.config)
        model.num_iterations = spec["iterations"]
        if checkpoint.iteration > spec["iterations"]:
            raise ValueError(f"--resume {resume_dir}: the checkpoint is at iteration {checkpoint.iteration} and "
                             f"the run has {spec['iterations']} iterations; pass --iterations N (more) to "
                             f"train it further.")
    else:
        data = load_data(spec)
        spec["data_sha256"] = _data_digest(data)
        model = build_model(spec, data)
        model._validate_hyperparameters()
        run_dir, lock = new_run_dir(spec, out)
        locks.append(lock)
    config = {"command": "train", "spec": spec, "model": model.get_config()}
    write_json(run_dir / "config.json", config)

    # Each checkpoint appends its new cost records to a log beside it: constant cost per checkpoint.
    on_checkpoint = CheckpointWriter(run_dir / "checkpoint.npz", model.get_config(), extra={"spec": spec}).save

    progress = Progress(spec["iterations"], spec["print_every"], quiet=quiet, stream=stream,
                        checkpoint_every=spec["checkpoint_every"], on_checkpoint=on_checkpoint,
                        start=0 if checkpoint is None else checkpoint.iteration, bar=bar)
    progress.attach(model)
    t0 = time.perf_counter()
    try:
        # Overflow on the way to a NaN cost is reported once, as TrainingDivergedError, not as warnings;
        # a TrainingWarning is reported below, in the command line's words.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TrainingWarning)
            model.fit(data.X, data.Y, data.X_val, data.Y_val, resume_from=checkpoint,
                      class_names=data.class_names)
        problems = [str(w.message) for w in caught if issubclass(w.category, TrainingWarning)]
        for w in caught:  # other warnings go on as they came
            if not issubclass(w.category, TrainingWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    except KeyboardInterrupt:
        progress.close()
        print(_interrupted_message(run_dir, spec), file=sys.stderr, flush=True)
        raise
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    model.callback, model.print_every = None, None
    model_path = run_dir / "model.npz"
    save(model, model_path)
    history = model.history_
    write_json(run_dir / "history.json", history.to_dict())
    every = spec["print_every"]
    metrics = {
        "train_accuracy": _accuracy(model, data.X, data.Y),
        "val_accuracy": _accuracy(model, data.X_val, data.Y_val),
        "test_accuracy": _accuracy(model, data.X_test, data.Y_test),
        "final_cost": history.final_cost,
        "costs": [[int(i), float(c)] for i, c in zip(history.iterations, history.costs) if i % every == 0],
        "iterations": int(spec["iterations"]),
        "seconds": round(seconds, 4),
        "run_dir": str(run_dir),
        "model_path": str(model_path),
        "model": type(model).__name__,
        "layer_dims": [int(n) for n in model.layer_dims_],
        "hidden_activation": None if spec["model"] == "logistic" else spec["hidden_activation"],
        "dataset": spec["dataset"],
        "data": data.description,
        "resumed_from": None if checkpoint is None else int(checkpoint.iteration),
        # What training warned about (denseflow.training.TrainingWarning): [] when nothing.
        "warnings": problems,
    }
    for problem in metrics["warnings"]:
        print(f"denseflow: warning: {problem}", file=sys.stderr, flush=True)
    metrics["plots"] = [str(p) for p in _plots(model, spec, data, run_dir)]
    write_json(run_dir / "metrics.json", metrics)
    return metrics


def plot_run(run_dir, data_path=None) -> list:
    """Redraw the plots of a finished run folder; returns the paths written."""
    from denseflow.io.modelfile import load

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run folder.")
    for name in ("config.json", "model.npz"):
        if not (run_dir / name).exists():
            raise ValueError(f"{run_dir} is not a finished denseflow run: it has no {name}.")
    try:
        config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        spec = config["spec"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{run_dir / 'config.json'} is not a denseflow run configuration ({exc}).") from None
    if data_path is not None:
        spec["data"] = str(Path(data_path).expanduser().resolve())
    model = load(run_dir / "model.npz")
    if getattr(model, "history_", None) is None:
        raise ValueError(f"{run_dir / 'model.npz'} holds no training history to plot.")
    try:
        data = load_data(spec)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc} (the data of run {run_dir} moved? pass --data PATH)") from None
    return _plots(model, spec, data, run_dir)
