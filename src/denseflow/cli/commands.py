"""The model commands of ``denseflow``: train, evaluate, predict, info, plot (a model and its run folder).

The parser and the exit codes are in :mod:`denseflow.cli.app`; the course commands (reproduce,
gradcheck, graph) in :mod:`denseflow.cli.course`; ``denseflow sweep`` in :mod:`denseflow.cli.sweep`.

Each ``cmd_NAME(args) -> int`` runs one subcommand from the parsed arguments; bad input raises
ValueError / TypeError / FileNotFoundError (exit code 2 in :func:`denseflow.cli.app`). Every
heavy import happens inside the command that needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from denseflow.cli.arguments import UsageError, print_json

__all__ = ["cmd_train", "cmd_evaluate", "cmd_predict", "cmd_plot", "cmd_info", "model_classes", "map_labels",
           "score_line", "file_report"]

_PROG = "denseflow"


def cmd_train(args) -> int:
    from denseflow.cli.runs import train_run
    from denseflow.cli.specs import SPEC_OPTIONS, resolve_spec

    if args.resume:
        given = [o for o in SPEC_OPTIONS if getattr(args, o) is not None]
        if given:
            names = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(f"{_PROG} train: error: {names} cannot be changed when resuming; --resume continues "
                             f"the run with its saved settings (only --iterations or --epochs, --print-every, "
                             f"--checkpoint-every, --threads, --quiet and --json may be given).")
        if args.out:
            raise UsageError(f"{_PROG} train: error: --out and --resume exclude each other (a resumed run stays in its folder).")
        spec = {"iterations": args.iterations, "epochs": args.epochs, "print_every": args.print_every,
                "checkpoint_every": args.checkpoint_every}
    else:
        spec = resolve_spec(args)
    log = sys.stderr
    metrics = train_run(spec, out=args.out, resume_dir=args.resume, quiet=args.quiet, stream=log)
    if args.json:
        print_json(metrics)
        return 0
    if not args.quiet:
        _print_summary(metrics)
    print(metrics["run_dir"])
    return 0


_SPLIT_NAMES = {"train": "train", "validation": "val", "test": "test"}


def score_line(report: dict) -> str:
    """One split's scores on one line: accuracy, log-loss, ROC-AUC (classifier) or MSE, MAE, R²."""
    if report["task"] == "regression":
        r2 = "n/a" if report["r2"] is None else f"{report['r2']:.4f}"
        return f"MSE {report['mse']:.6g}   MAE {report['mae']:.6g}   R² {r2}   ({report['m']} examples)"
    auc = "" if report["roc_auc"] is None else f"   ROC-AUC {report['roc_auc']:.4f}"
    return f"{100 * report['accuracy']:.2f} %   log-loss {report['log_loss']:.4f}{auc}   ({report['m']} examples)"


def _print_summary(m) -> None:
    from denseflow.models.metrics import format_metrics

    act = f", {m['hidden_activation']}" if m["hidden_activation"] else ""
    by_epoch = m.get("epochs") is not None and (m.get("epochs_given") or m.get("unit") == "epoch")
    resumed = f" (resumed at {'epoch' if by_epoch else 'iteration'} {m['resumed_from']})" \
        if m["resumed_from"] is not None else ""
    print(f"{m['model']} {m['layer_dims']}{act} on {m['data']}")
    if by_epoch:
        print(f"  epochs          {m['epochs']} ({m['updates']} updates){resumed}")
    else:
        print(f"  iterations      {m['iterations']}{resumed}")
    if m.get("stopped_early"):
        unit = m.get("unit", "epoch")
        print(f"  early stopping  stopped after {m['epochs']} {unit}s; kept the weights of {unit} {m['best_epoch']} "
              f"(the best validation cost)")
    print(f"  final cost      {m['final_cost']:.6f}")
    scores = m["metrics"]
    for split, name in _SPLIT_NAMES.items():
        report = scores.get(split)
        if report is None:
            continue
        label = f"{name} accuracy" if report["task"] == "classification" else name
        print(f"  {label:<15} {score_line(report)}")
    print(f"  time            {m['seconds']:.2f} s")
    split = next(s for s in ("test", "validation", "train") if scores.get(s) is not None)
    where = {"test": f"test set: {m['test_set']}" if m.get("test_set") else "test set",
             "validation": "validation set (no test set: pass --test-data or --test-fraction)",
             "train": "training set (no held-out data: pass --test-fraction, --test-data or --val-fraction)"}[split]
    print()
    print(f"Scores on the {where}")
    print(format_metrics(scores[split]))
    print()
    files = ", ".join(Path(p).name for p in [m["model_path"], *m["plots"]])
    print(f"Run folder ({files}):")


def model_classes(model):
    """The labels a classifier knows, in the order of its outputs: its class names, else 0 … C−1."""
    names = getattr(model, "class_names_", None)
    if names is not None:
        return [str(c) for c in names]
    return [int(c) for c in model.classes_]


def _same_label(a, b) -> bool:
    """One label written two ways: the same text, or the same number ('1', 1, 1.0)."""
    if str(a) == str(b):
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def map_labels(model, Y, data_classes, where: str):
    """Labels Y (1, m), indices into ``data_classes``, as indices into the model's classes.

    Every label is mapped through the class names (a file's 0/1 are not taken for the model's
    own numbering); a label the model does not know is an error naming it.
    """
    import numpy as np

    known = model_classes(model)
    present = [data_classes[int(k)] for k in np.unique(Y)]
    unknown = [c for c in present if not any(_same_label(c, k) for k in known)]
    if unknown:
        raise ValueError(f"{where} holds label(s) {[str(c) for c in unknown][:5]} that the model does not know: "
                         f"its classes are {[str(c) for c in known]}.")
    mapping = np.array([next((i for i, k in enumerate(known) if _same_label(c, k)), -1) for c in data_classes],
                       dtype=np.float64)
    return mapping[Y.astype(np.int64)]


def _check_features(model, X, where: str, column_hint: str) -> None:
    """The data's features against the model's n_x, in the command line's words."""
    n_x = model.layer_dims_[0]
    if X.shape[0] != n_x:
        raise ValueError(f"{where} has {X.shape[0]} feature column(s), but the model was trained on {n_x}. "
                         f"Use a file with the training file's feature columns{column_hint}.")


def _eval_csv(args, model, spec, path, flag):
    """(X, Y) of a labelled CSV file for the model: its labels mapped onto the model's classes."""
    from denseflow import datasets
    from denseflow.cli.runs import errors_in_flags

    classifier = model.output_ != "identity"
    same_run = spec is not None and spec.get("dataset") == "csv"
    label_column = args.label_column if args.label_column is not None else (
        spec["label_column"] if same_run else -1)
    delimiter = args.delimiter or (spec.get("delimiter", ",") if same_run else ",")
    with errors_in_flags():
        csv = datasets.load_csv(path, label_column=label_column, delimiter=delimiter,
                                classes=model_classes(model) if classifier else None,
                                task="classification" if classifier else "regression")
    _check_features(model, csv.X, f"{flag} {path}", " (and --label-column for the label)")
    return csv.X, csv.Y


def _load_eval_data(args, model, spec):
    """{split name: (X, Y, what the split is)} with Y mapped onto the model's classes."""
    from denseflow import datasets
    from denseflow.cli.runs import load_data
    from denseflow.cli.specs import PLANAR, default_test_fraction

    dataset = args.dataset
    if dataset is None and args.data is None and args.test_data is None and spec is not None:
        # The run's own data, split as it was trained: train, validation and test, each labelled.
        if args.test_fraction is not None or args.label_column is not None or args.delimiter is not None:
            raise ValueError("--test-fraction, --label-column and --delimiter describe the data named by --dataset, "
                             "--data or --test-data; without them evaluate scores the run's own data as it was split.")
        try:
            data = load_data(spec)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{exc} (the run's data moved? pass --dataset and --data PATH)") from None
        splits = {"train": (data.X, data.Y, f"{data.X.shape[1]} examples the run trained on (its config.json)")}
        if data.X_val is not None:
            splits["validation"] = (data.X_val, data.Y_val, f"{data.X_val.shape[1]} examples the run held out "
                                                             f"for validation (--val-fraction)")
        if data.X_test is not None:
            splits["test"] = (data.X_test, data.Y_test, data.test_description)
        return dataset or spec["dataset"], splits
    if dataset is None:
        dataset = "csv" if (args.data or args.test_data) else "planar"
    if dataset in ("cat",) and not args.data:
        raise ValueError(f"--dataset {dataset} needs --data PATH.")
    if dataset == "csv" and not (args.data or args.test_data):
        raise ValueError("--dataset csv needs --data FILE (or --test-data FILE).")
    if dataset in PLANAR and args.data:
        raise ValueError(f"--data applies to --dataset cat or csv only; --dataset {dataset} is built in.")
    if args.test_data is not None and dataset != "csv":
        raise ValueError(f"--test-data applies to --dataset csv only; --dataset {dataset} "
                         + ("comes with its own test set." if dataset == "cat" else "holds out --test-fraction."))
    if args.test_fraction is not None and dataset not in PLANAR:
        raise ValueError("--test-fraction applies to the generated data sets (--dataset planar, moons, circles, "
                         "blobs, gaussian-quantiles).")
    if args.label_column is not None and dataset != "csv":
        raise ValueError("--label-column applies to --dataset csv only.")
    if args.delimiter is not None and dataset != "csv":
        raise ValueError("--delimiter applies to --dataset csv only.")
    classifier = model.output_ != "identity"
    if dataset in PLANAR:
        same_run = spec is not None and spec.get("dataset") == dataset
        if args.test_fraction is not None:
            fraction, source = args.test_fraction, "as given"
        elif same_run:
            fraction, source = float(spec.get("test_fraction", 0.0)), "the run's, from its config.json"
        else:
            fraction = default_test_fraction(dataset, bool(getattr(model, "course", True)))
            source = "train's default; no run folder says otherwise"
        if fraction > 0:
            _, _, X, Y = datasets.load_dataset_split(dataset, fraction)
            what = (f"the {X.shape[1]} points of the {dataset} set that denseflow train holds out with "
                    f"--test-fraction {fraction:g} ({source}; split seed {datasets.HELD_OUT_SEED}): a model "
                    f"trained on that split never saw them")
            split = "test"
        else:
            # The training set is the whole generated set: new points of the same distribution, another seed.
            X, Y = datasets.load_dataset(dataset, held_out=True)
            what = (f"{X.shape[1]} new points of the {dataset} set, drawn with another seed "
                    f"({datasets.HELD_OUT_SEED}) than the training points (--test-fraction 0, {source}: the "
                    f"model was trained on the whole set)")
            split = "held-out"
        _check_features(model, X, f"--dataset {dataset}", "")
        if classifier:
            Y = map_labels(model, Y, list(range(int(Y.max()) + 1)), f"--dataset {dataset}")
        return dataset, {split: (X, Y, what)}
    if dataset == "cat":
        cat = datasets.load_cat(args.data)
        _check_features(model, cat.train_X, f"--data {args.data}", "")
        splits = {"train": (cat.train_X, cat.train_Y, f"the {cat.train_X.shape[1]} images of train_catvnoncat.h5"),
                  "test": (cat.test_X, cat.test_Y, f"the {cat.test_X.shape[1]} images of test_catvnoncat.h5")}
        if classifier:
            splits = {k: (X, map_labels(model, Y, list(cat.classes), f"the cat {k} set"), what)
                      for k, (X, Y, what) in splits.items()}
        return dataset, splits
    splits = {}
    if args.data:
        X, Y = _eval_csv(args, model, spec, args.data, "--data")
        splits["all"] = (X, Y, f"every row of {Path(args.data).name}")
    if args.test_data:
        X, Y = _eval_csv(args, model, spec, args.test_data, "--test-data")
        splits["test"] = (X, Y, f"the {X.shape[1]} rows of {Path(args.test_data).name} (--test-data)")
    return dataset, splits


_SPLIT_LABELS = {"all": "", "held-out": "held-out ", "train": "train ", "validation": "val ", "test": "test "}


def cmd_evaluate(args) -> int:
    import numpy as np

    from denseflow.cli.runs import run_spec_of
    from denseflow.io.modelfile import load
    from denseflow.io.npz import write_json
    from denseflow.models.metrics import evaluate, format_metrics

    model = load(args.model)
    spec = run_spec_of(args.model)
    dataset, splits = _load_eval_data(args, model, spec)
    results = {}
    for split, (X, Y, what) in splits.items():
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            report = evaluate(model, X, Y)
            report["cost"] = float(model.cost(X, Y))
        report["data"] = what
        results[split] = report
    payload = {"model_path": str(args.model), "dataset": dataset, "task": "regression" if model.output_ ==
               "identity" else "classification", "results": results}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / "metrics.json", payload)
        payload["plots"] = [str(p) for p in _evaluation_plots(model, splits, out)]
    if args.json:
        print_json(payload)
        return 0
    print(f"{type(model).__name__} {model.layer_dims_} on {dataset}")
    for split, r in results.items():
        label = f"{_SPLIT_LABELS.get(split, split + ' ')}" + ("accuracy" if r["task"] == "classification" else "")
        print(f"  {label.strip() or 'scores':<15} {score_line(r)}")
    for split, r in results.items():
        print()
        name = {"all": "the data", "held-out": "held-out points", "train": "the training set"}.get(
            split, f"the {split} set")
        print(f"Scores on {name}: {r['data']}")
        print(format_metrics(r))
        if r["task"] == "classification":
            print(f"cost {r['cost']:.6f}")
    if args.out:
        print()
        print(f"Written to {args.out}: " + ", ".join(Path(p).name for p in ["metrics.json", *payload["plots"]]))
    return 0


def _evaluation_plots(model, splits: dict, out: Path) -> list:
    """The metric pictures of the last split (the test set when there is one)."""
    from denseflow.cli.runs import metric_plots

    split = next(reversed(splits))
    X, Y, _ = splits[split]
    return metric_plots(model, split, X, Y, out)


def cmd_predict(args) -> int:
    import numpy as np

    from denseflow.io.modelfile import load
    from denseflow.io.npz import atomic_write

    model = load(args.model)
    src = Path(args.input)
    suffix = src.suffix.lower()
    if suffix not in (".csv", ".npy"):
        raise ValueError(f"--input {args.input}: expected a .csv file (one example per row) or a .npy array (n_x, m).")
    if not src.is_file():
        raise FileNotFoundError(f"--input {args.input}: no such file.")
    if suffix == ".npy":
        if args.ignore_column is not None:
            raise ValueError("--ignore-column applies to CSV input only.")
        try:
            X = np.load(src, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ValueError(f"--input {args.input}: not a readable .npy array ({exc}).") from None
    else:
        from denseflow.cli.runs import errors_in_flags
        from denseflow.datasets.csvfile import load_features_csv

        with errors_in_flags():
            X = load_features_csv(src, ignore_column=args.ignore_column, delimiter=args.delimiter or ",")
    if suffix == ".npy" and args.delimiter is not None:
        raise ValueError("--delimiter applies to CSV input only.")
    if X.ndim != 2:
        raise ValueError(f"--input {args.input} holds an array of shape {X.shape}; expected a 2-D array "
                         f"(n_x, m) = ({model.layer_dims_[0]}, m), one column per example.")
    if X.shape[0] != model.layer_dims_[0]:
        n_x = model.layer_dims_[0]
        if suffix == ".npy":
            flip = " It looks transposed: save the array's transpose (one column per example)." \
                if X.shape[1] == n_x else ""
            raise ValueError(f"--input {args.input} has shape {X.shape}, but the model expects ({n_x}, m): "
                             f"one column per example.{flip}")
        raise ValueError(f"--input {args.input} has {X.shape[0]} feature column(s), but the model was trained on "
                         f"{n_x}. Leave out extra columns with --ignore-column.")
    proba = np.asarray(model.predict_proba(X))
    labels = np.asarray(model.predict(X))
    out = args.output
    if out is not None and Path(out).suffix.lower() == ".npy":
        with atomic_write(out) as f:
            np.save(f, labels, allow_pickle=False)
        print(out, file=sys.stderr)
        return 0
    if out is not None and Path(out).suffix.lower() != ".csv":
        raise ValueError(f"--output {out}: expected a .csv or .npy file name.")
    lines = [_predict_header(model)]
    names = getattr(model, "class_names_", None)
    for k in range(labels.shape[1]):
        row = []
        if model.output_ == "identity":
            row += [repr(float(v)) for v in labels[:, k]]
        else:
            label = int(labels[0, k])
            row.append(str(label))
            if names is not None:
                row.append(_csv_cell(names[label] if label < len(names) else str(label)))
            row += [f"{float(p):.6g}" for p in proba[:, k]]
        lines.append(",".join(row))
    text = "\n".join(lines) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        with atomic_write(out) as f:
            f.write(text.encode("utf-8"))
        print(out, file=sys.stderr)
    return 0


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def _predict_header(model) -> str:
    if model.output_ == "identity":
        return ",".join(f"prediction_{j}" for j in range(model.layer_dims_[-1])) if model.layer_dims_[-1] > 1 \
            else "prediction"
    cols = ["label"]
    names = getattr(model, "class_names_", None)
    if names is not None:
        cols.append("class")
    if model.output_ == "sigmoid":
        cols.append("probability")
    else:
        cols += [f"p_{_csv_cell(names[j]) if names else j}" for j in range(model.layer_dims_[-1])]
    return ",".join(cols)


def cmd_plot(args) -> int:
    from denseflow.cli.runs import plot_run

    for path in plot_run(args.run_dir, args.data):
        print(path)
    return 0


def file_report(path) -> dict:
    """What a model file is and which checks it passed on loading (for ``denseflow info``).

    :func:`denseflow.load` reads the file only when every check passes, so after it returns
    each check listed here has passed; the signature is checked only when
    ``$DENSEFLOW_MODEL_KEY`` is set.
    """
    import os

    from denseflow.io.modelfile import load
    from denseflow.io.npz import MODEL_KEY_ENV, read_npz, signing_key

    model = load(path)  # every check below, or a ModelFileError naming the one that failed
    _, meta, arrays = read_npz(path, "denseflow-model")
    signed = isinstance(meta.get("hmac_sha256"), str)
    if signing_key() is not None:
        signature = f"HMAC-SHA256 signature verified with ${MODEL_KEY_ENV}"
    elif signed:
        signature = f"signed, but the signature was not checked (${MODEL_KEY_ENV} is not set)"
    else:
        signature = f"not signed (set ${MODEL_KEY_ENV} to sign files on save and refuse unsigned ones)"
    checks = [
        f"container: {len(arrays) + 1} stored .npy members, sizes and CRC-32 checked before reading, no pickle",
        "metadata: SHA-256 digest matches",
        f"arrays: {len(arrays)} SHA-256 digests, dtypes and shapes match the metadata",
        "architecture: every W[l], b[l] has the shape layer_dims gives, finite values",
        "output, classes and class names agree",
        "input standardization: mean and std (n_x, 1), finite, std > 0" if meta.get("standardized")
        else "input standardization: none expected, none found",
        *(["target standardization: mean and std, one per output, finite, std > 0"]
          if meta.get("targets_standardized") else []),
        "history: iterations and costs are finite numbers" if meta.get("history") else "no history",
        "no array the model does not use",
    ]
    return {
        "path": str(path),
        "bytes": os.path.getsize(path),
        "format": meta.get("format"),
        "format_version": meta.get("format_version"),
        "written_by": meta.get("denseflow_version"),
        "signature": signature,
        "checks_passed": checks,
        "model": model,
    }


def cmd_info(args) -> int:
    from denseflow.models.summary import summarize

    report = file_report(args.model)
    model = report.pop("model")
    summary = summarize(model)
    if args.json:
        print_json({"file": report, "summary": summary.to_dict()})
        return 0
    size = report["bytes"]
    size_text = f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} bytes"
    print(f"{report['path']} ({size_text}; {report['format']} format version {report['format_version']}, "
          f"written by denseflow {report['written_by']})")
    print(summary)
    print("file checks passed:")
    for check in report["checks_passed"]:
        print(f"  - {check}")
    print(f"  - signature: {report['signature']}")
    return 0
