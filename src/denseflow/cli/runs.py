"""Run folders for the command line: ``denseflow train`` (fresh or ``--resume``) and ``denseflow plot``.

A run is described by its *spec* (:mod:`denseflow.cli.specs`): this module loads the data and
builds the model the spec names, trains it, scores it and writes the folder. The spec is written
to ``config.json`` and into every checkpoint, so a run can be resumed — or its plots redrawn —
from its folder alone. A run folder holds:

================== ==============================================================
``config.json``    the spec and the model's configuration (written first)
``checkpoint.npz`` the last checkpoint, with ``--checkpoint-every N``
``model.npz``      the fitted model (:func:`denseflow.save`)
``history.json``   the :class:`~denseflow.training.History`
``metrics.json``   the summary (what ``--json`` prints): accuracies and costs, and
                   the metrics of the train, validation and test sets
                   (:func:`denseflow.models.metrics.evaluate`)
``cost.png``       the cost curve; ``decision_boundary.png`` (2-D data) or
                   ``mislabeled.png`` (image data); ``confusion_matrix.png`` and,
                   for two classes, ``roc.png`` (classifiers) or
                   ``predicted_vs_true.png`` (regression)
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

from denseflow.cli.specs import (
    DATASETS,
    PLANAR,
    REQUIRED_SPEC,
    fill_later_options,
    model_errors_in_flags,
    run_length,
    spec_command,
    training_parameters,
)
from denseflow.io.modelfile import CheckpointWriter, load_checkpoint, save
from denseflow.io.npz import write_json

__all__ = ["Data", "load_data", "build_model", "train_run", "plot_run", "RunLock", "new_run_dir", "in_flags",
           "errors_in_flags", "run_spec_of", "split_metrics", "scored_split", "metric_plots"]


class Data(NamedTuple):
    X: np.ndarray
    Y: np.ndarray
    X_val: np.ndarray | None
    Y_val: np.ndarray | None
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    class_names: list | None
    description: str
    #: what the test set is, in words (None without one)
    test_description: str | None = None


def load_data(spec: dict) -> Data:
    """The training (and validation, test) data a spec names."""
    from denseflow import datasets

    spec = fill_later_options(dict(spec))
    name = spec["dataset"]
    X_test = Y_test = class_names = test_desc = None
    fraction = float(spec["test_fraction"] or 0.0)
    if name in PLANAR:
        X, Y, X_test, Y_test = datasets.load_dataset_split(name, fraction)
        m = X.shape[1] + (0 if X_test is None else X_test.shape[1])
        desc = f"{name} ({m} examples"
        if X_test is not None:
            test_desc = (f"{X_test.shape[1]} points of the {name} set held out with --test-fraction {fraction:g} "
                         f"(seed {datasets.HELD_OUT_SEED}); never used in training")
            desc += f", {X_test.shape[1]} held out for testing"
        desc += ")"
    elif name == "cat":
        cat = datasets.load_cat(spec["data"])
        X, Y, X_test, Y_test = cat.train_X, cat.train_Y, cat.test_X, cat.test_Y
        class_names = [str(c) for c in cat.classes]
        desc = f"cat ({X.shape[1]} training, {X_test.shape[1]} test images)"
        test_desc = f"the {X_test.shape[1]} images of test_catvnoncat.h5"
    elif name == "csv":
        csv = _read_csv(spec, spec["data"], "--data")
        X, Y = csv.X, csv.Y
        if csv.classes is not None:
            class_names = [str(c) for c in csv.classes]
        if spec["task"] != "regression":
            _check_two_classes(Y, class_names, spec["data"], csv.label_name)
        if spec["standardize"]:
            datasets.standardization_stats(X, csv.feature_names)  # names an overflowing column
        desc = f"{Path(spec['data']).name} ({X.shape[1]} rows, {X.shape[0]} features"
        if spec["test_data"]:
            X_test, Y_test = _read_test_csv(spec, csv)
            test_desc = f"the {X_test.shape[1]} rows of {Path(spec['test_data']).name} (--test-data)"
        elif fraction > 0:
            X, Y, X_test, Y_test = datasets.train_val_split(X, Y, fraction, seed=datasets.HELD_OUT_SEED)
            test_desc = (f"{X_test.shape[1]} rows of {Path(spec['data']).name} held out with --test-fraction "
                         f"{fraction:g}; never used in training")
            desc += f", {X_test.shape[1]} held out for testing"
        desc += ")"
    else:  # resolve_spec and argparse choices keep this unreachable
        raise ValueError(f"Unknown dataset {name!r}; expected one of {list(DATASETS)}.")
    X_val = Y_val = None
    if spec["val_fraction"] > 0:
        X, Y, X_val, Y_val = datasets.train_val_split(X, Y, spec["val_fraction"], seed=0)
        desc = desc[:-1] + f", {X_val.shape[1]} held out for validation)"
    return Data(X, Y, X_val, Y_val, X_test, Y_test, class_names, desc, test_desc)


def _read_csv(spec: dict, path, flag: str, classes=None):
    """A CSV file of the run (the training file or its test file), errors in the flags' words."""
    from denseflow import datasets

    with errors_in_flags():
        return datasets.load_csv(path, label_column=spec["label_column"], delimiter=spec.get("delimiter", ","),
                                 classes=classes, task=spec.get("task", "classification"))


def _has_header(csv) -> bool:
    """Whether a loaded file had a header line (without one, the columns are named x1 … xn and y)."""
    return not (csv.label_name == "y" and csv.feature_names == [f"x{k + 1}" for k in range(len(csv.feature_names))])


def _read_test_csv(spec: dict, train_csv):
    """The ``--test-data`` file: the training file's columns, labels among the training classes."""
    path = spec["test_data"]
    classes = None
    if spec.get("task", "classification") != "regression":
        classes = list(train_csv.classes) if train_csv.classes is not None else [0, 1]
    test = _read_csv(spec, path, "--test-data", classes=classes)
    columns = [*train_csv.feature_names, train_csv.label_name]
    test_columns = [*test.feature_names, test.label_name]
    if test.X.shape[0] != train_csv.X.shape[0] or (
            _has_header(train_csv) and _has_header(test) and test_columns != columns):
        raise ValueError(f"--test-data {path} has the columns {test_columns}, but the training file --data "
                         f"{spec['data']} has {columns}; the test file needs the same columns, in the same order.")
    return test.X, test.Y


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
                  standardize=spec["standardize"], **training_parameters(spec))
    regression = spec.get("task") == "regression"
    if regression:
        # Identity output, squared error, targets fitted as (Y − mean) / std and predicted in their units.
        common.update(output_activation="identity", standardize_targets=True)
    kind = spec["model"]
    if kind == "logistic":
        return LogisticRegression(**common)
    if kind == "shallow":
        return ShallowNetwork(n_h=spec["layers"][0], hidden_activation=spec["hidden_activation"], **common)
    values = np.unique(data.Y)
    n_y = 1 if regression or np.all(np.isin(values, (0, 1))) else int(values.max()) + 1
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


def _attribute(model, name):
    value = getattr(model, name, None)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return None if value is None else int(value)


def _score(scores: dict, split: str, key: str):
    report = scores.get(split)
    return None if report is None else report.get(key)


def split_metrics(model, data: Data) -> dict:
    """{'train', 'validation', 'test'}: :func:`denseflow.models.metrics.evaluate` of each split, with
    the cost J; None for a split the run does not have."""
    from denseflow.models.metrics import evaluate

    scores = {}
    for split, X, Y in (("train", data.X, data.Y), ("validation", data.X_val, data.Y_val),
                        ("test", data.X_test, data.Y_test)):
        if X is None:
            scores[split] = None
            continue
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            report = evaluate(model, X, Y)
            report["cost"] = float(model.cost(X, Y))
        scores[split] = report
    return scores


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
    written += _metric_plots(model, data, run_dir)
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


def scored_split(data: Data):
    """The split the metric pictures show: (name, X, Y) of the test set, else validation, else training."""
    for name, X, Y in (("test", data.X_test, data.Y_test), ("validation", data.X_val, data.Y_val)):
        if X is not None:
            return name, X, Y
    return "training", data.X, data.Y


def _metric_plots(model, data: Data, run_dir: Path) -> list:
    """confusion_matrix.png and (two classes) roc.png, or predicted_vs_true.png, of :func:`scored_split`."""
    split, X, Y = scored_split(data)
    return metric_plots(model, split, X, Y, run_dir)


def metric_plots(model, split: str, X, Y, folder: Path) -> list:
    """Write the metric pictures of (X, Y) into ``folder``: confusion_matrix.png and (two classes)
    roc.png for a classifier, predicted_vs_true.png for a regressor; returns the paths."""
    from denseflow.models.metrics import evaluate
    from denseflow.plots import (
        plot_confusion_matrix,
        plot_predicted_vs_true,
        plot_roc,
        save_figure,
    )

    run_dir = Path(folder)
    where = f"{split} set, m = {X.shape[1]}" if split not in ("all", "held-out") else f"{split}, m = {X.shape[1]}"
    if model.output_ == "identity":
        fig = plot_predicted_vs_true(Y, model.predict(X), title=f"Predicted against true ({where})")
        return [save_figure(fig, run_dir / "predicted_vs_true.png")]
    report = evaluate(model, X, Y)
    written = [save_figure(plot_confusion_matrix(report["confusion_matrix"], report["classes"],
                                                 title=f"Confusion matrix ({where})"),
                           run_dir / "confusion_matrix.png")]
    if report["roc_auc"] is not None:
        fig = plot_roc(*_binary_scores(model, X, Y), title=f"ROC curve ({where})")
        written.append(save_figure(fig, run_dir / "roc.png"))
    return written


def _binary_scores(model, X, Y):
    """A two-class model's 0/1 targets (its own encoding of Y) and its P(class 1 | x), each (1, m)."""
    from denseflow.models.targets import encode_targets

    targets = encode_targets(Y, model.output_, model.classes_)
    proba = np.asarray(model.predict_proba(X))
    if targets.shape[0] == 2:  # a two-class softmax: class 1 is the second row
        return targets[1:], proba[1:]
    return targets, proba


def run_spec_of(model_path):
    """The spec of the ``denseflow train`` run whose folder holds ``model_path`` (its config.json,
    with the options added later filled in), or None when the file is not in a run folder."""
    config = Path(model_path).parent / "config.json"
    if not _is_run_config(config):
        return None
    spec = json.loads(config.read_text(encoding="utf-8"))["spec"]
    if not set(REQUIRED_SPEC) <= set(spec):
        return None
    return fill_later_options(spec)


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
            spec = {**spec, "checkpoint_every": max(1, run_length(spec) // 10)}
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
        unit = "epoch" if spec.get("epochs") is not None or spec.get("batch_size") is not None else "iteration"
        return (f"denseflow: interrupted. The last checkpoint ({unit} {done} of {run_length(spec)}) is "
                f"{ck_path}; continue the run with:\n  denseflow train --resume {run_dir}")
    every = spec.get("checkpoint_every")
    why = "before its first checkpoint" if every else "and it wrote no checkpoints (no --checkpoint-every N)"
    again = spec if every else {**spec, "checkpoint_every": max(1, run_length(spec) // 10)}
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
        if not isinstance(saved, dict) or not set(REQUIRED_SPEC) <= set(saved):
            raise ValueError(f"{ck_path}: the checkpoint does not hold the run's settings (extra['spec']); "
                             f"it was not written by 'denseflow train'.")
        fill_later_options(saved)
        unit, flag = ("epochs", "--epochs") if saved["epochs"] is not None else ("iterations", "--iterations")
        finished = run_length(saved) if (run_dir / "metrics.json").exists() else None
        if unit == "epochs" and spec.get("iterations") is not None:
            raise ValueError(f"--resume {resume_dir}: the run counts epochs (it was started with --epochs); pass "
                             f"--epochs N to train it further, not --iterations.")
        if unit == "iterations" and spec.get("epochs") is not None:
            raise ValueError(f"--resume {resume_dir}: the run counts iterations (it was started without --epochs); "
                             f"pass --iterations N to train it further, not --epochs.")
        horizon = saved["epochs"]
        for key, value in spec.items():  # --print-every, --checkpoint-every, --iterations, --epochs may change
            if value is not None:
                saved[key] = value
        cosine = saved.get("schedule") == "cosine"
        if cosine and finished is not None and (saved["epochs"] != horizon or run_length(saved) <= finished):
            # Its horizon is --epochs itself: more epochs would change the rates of those already run.
            raise ValueError(f"--resume {resume_dir}: the run already finished its {finished} epochs, and a cosine "
                             f"run cannot be extended (its schedule is laid over --epochs {horizon}: more epochs would "
                             f"change the learning rates of the epochs already run, and after epoch {horizon} α stays "
                             f"at 0). To train longer, start a new run with a larger --epochs.")
        if cosine and saved["epochs"] != horizon:
            raise ValueError(f"--resume {resume_dir} --epochs {saved['epochs']}: the cosine schedule is laid over "
                             f"the run's {horizon} epochs; resume with --epochs {horizon}, or start a new run.")
        if finished is not None and run_length(saved) <= finished:
            raise ValueError(f"--resume {resume_dir}: the run already finished its {finished} {unit}; pass "
                             f"{flag} N (more than {finished}) to train it further.")
        spec = saved
        checkpoint = loaded.checkpoint
        data = load_data(spec)
        if _data_digest(data) != spec.get("data_sha256"):
            raise ValueError(f"--resume {resume_dir}: the training data differ from the data the run started "
                             f"with ({spec['dataset']} {spec.get('data') or ''}); resuming would not continue "
                             f"the same run.")
        model = Network.from_config(loaded.config)
        model.num_iterations = spec["iterations"]
        if spec["epochs"] is not None:
            model.num_epochs = spec["epochs"]
        if checkpoint.iteration > run_length(spec):
            raise ValueError(f"--resume {resume_dir}: the checkpoint is at {unit[:-1]} {checkpoint.iteration} and "
                             f"the run has {run_length(spec)} {unit}; pass {flag} N (more) to train it further.")
    else:
        data = load_data(spec)
        spec["data_sha256"] = _data_digest(data)
        model = build_model(spec, data)
        try:
            model._validate_hyperparameters()
        except (ValueError, TypeError) as exc:
            raise type(exc)(model_errors_in_flags(str(exc))) from None
        run_dir, lock = new_run_dir(spec, out)
        locks.append(lock)
    config = {"command": "train", "spec": spec, "model": model.get_config()}
    write_json(run_dir / "config.json", config)

    # Each checkpoint appends its new cost records to a log beside it: constant cost per checkpoint.
    on_checkpoint = CheckpointWriter(run_dir / "checkpoint.npz", model.get_config(), extra={"spec": spec}).save

    progress = Progress(run_length(spec), spec["print_every"], quiet=quiet, stream=stream,
                        checkpoint_every=spec["checkpoint_every"], on_checkpoint=on_checkpoint,
                        start=0 if checkpoint is None else checkpoint.iteration, bar=bar,
                        unit="epoch" if spec["batch_size"] is not None else "iteration")
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
    scores = split_metrics(model, data)
    metrics = {
        "train_accuracy": _score(scores, "train", "accuracy"),
        "val_accuracy": _score(scores, "validation", "accuracy"),
        "test_accuracy": _score(scores, "test", "accuracy"),
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
        "task": spec["task"],
        "epochs_given": spec["epochs"] is not None,
        "unit": str(getattr(history, "unit", "iteration") or "iteration"),
        "test_set": data.test_description,
        # Every score of denseflow.models.metrics.evaluate, for each split (None where there is none).
        "metrics": scores,
        # Training of issue 15: epochs run, optimizer steps, early stopping (None where the model lacks them).
        "epochs": _attribute(model, "n_epochs_"),
        "updates": _attribute(model, "n_updates_"),
        "stopped_early": _attribute(model, "stopped_early_"),
        "best_epoch": _attribute(model, "best_epoch_"),
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
    fill_later_options(spec)
    model = load(run_dir / "model.npz")
    if getattr(model, "history_", None) is None:
        raise ValueError(f"{run_dir / 'model.npz'} holds no training history to plot.")
    try:
        data = load_data(spec)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc} (the data of run {run_dir} moved? pass --data PATH)") from None
    return _plots(model, spec, data, run_dir)
