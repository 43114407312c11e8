"""The model commands of ``denseflow``: train, evaluate, predict, plot (a model and its run folder).

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

__all__ = ["cmd_train", "cmd_evaluate", "cmd_predict", "cmd_plot"]

_PROG = "denseflow"


def cmd_train(args) -> int:
    from denseflow.cli.runs import SPEC_OPTIONS, resolve_spec, train_run

    if args.resume:
        given = [o for o in SPEC_OPTIONS if getattr(args, o) is not None]
        if given:
            names = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(f"{_PROG} train: error: {names} cannot be changed when resuming; --resume continues "
                             f"the run with its saved settings (only --iterations, --print-every, "
                             f"--checkpoint-every, --quiet and --json may be given).")
        if args.out:
            raise UsageError(f"{_PROG} train: error: --out and --resume exclude each other (a resumed run stays in its folder).")
        spec = {"iterations": args.iterations, "print_every": args.print_every,
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


def _print_summary(m) -> None:
    act = f", {m['hidden_activation']}" if m["hidden_activation"] else ""
    resumed = f" (resumed at iteration {m['resumed_from']})" if m["resumed_from"] is not None else ""
    print(f"{m['model']} {m['layer_dims']}{act} on {m['data']}")
    print(f"  iterations      {m['iterations']}{resumed}")
    print(f"  final cost      {m['final_cost']:.6f}")
    for key, label in (("train_accuracy", "train accuracy"), ("val_accuracy", "val accuracy"),
                       ("test_accuracy", "test accuracy")):
        if m[key] is not None:
            print(f"  {label:<15} {100 * m[key]:.2f} %")
    print(f"  time            {m['seconds']:.2f} s")
    files = ", ".join(Path(p).name for p in [m["model_path"], *m["plots"]])
    print(f"Run folder ({files}):")


def _load_eval_data(args):
    from denseflow import datasets
    from denseflow.cli.runs import PLANAR

    if args.dataset in ("cat", "csv") and not args.data:
        raise ValueError(f"--dataset {args.dataset} needs --data PATH.")
    if args.dataset in PLANAR and args.data:
        raise ValueError(f"--data applies to --dataset cat or csv only; --dataset {args.dataset} is built in.")
    if args.label_column is not None and args.dataset != "csv":
        raise ValueError("--label-column applies to --dataset csv only.")
    if args.dataset in PLANAR:
        X, Y = datasets.load_dataset(args.dataset)
        return {"all": (X, Y)}, None
    if args.dataset == "cat":
        cat = datasets.load_cat(args.data)
        return {"train": (cat.train_X, cat.train_Y), "test": (cat.test_X, cat.test_Y)}, list(cat.classes)
    csv = datasets.load_csv(args.data, label_column=-1 if args.label_column is None else args.label_column)
    return {"all": (csv.X, csv.Y)}, None if csv.classes is None else [str(c) for c in csv.classes]


def _align_labels(model, Y, data_classes):
    """Map a CSV file's label numbering onto the model's class names (files may lack a class)."""
    import numpy as np

    names = getattr(model, "class_names_", None)
    if names is None or data_classes is None or list(data_classes) == list(names):
        return Y
    unknown = [c for c in data_classes if c not in names]
    if unknown:
        raise ValueError(f"the data hold labels {unknown[:5]} that the model does not know (its classes: {names}).")
    mapping = np.array([names.index(c) for c in data_classes], dtype=np.float64)
    return mapping[Y.astype(np.int64)]


def cmd_evaluate(args) -> int:
    from denseflow.io.modelfile import load

    model = load(args.model)
    splits, data_classes = _load_eval_data(args)
    results = {}
    for split, (X, Y) in splits.items():
        if args.dataset == "csv":
            Y = _align_labels(model, Y, data_classes)
        results[split] = {"accuracy": float(model.accuracy(X, Y)), "cost": float(model.cost(X, Y)),
                          "m": int(X.shape[1])}
    if args.json:
        print_json({"model_path": str(args.model), "dataset": args.dataset, "results": results})
        return 0
    print(f"{type(model).__name__} {model.layer_dims_} on {args.dataset}")
    for split, r in results.items():
        label = "" if split == "all" else f"{split:<6}"
        print(f"  {label}accuracy {100 * r['accuracy']:.2f} %   cost {r['cost']:.6f}   ({r['m']} examples)")
    return 0


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
        from denseflow.datasets.csvfile import load_features_csv

        X = load_features_csv(src, ignore_column=args.ignore_column)
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
