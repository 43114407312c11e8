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

__all__ = ["cmd_train", "cmd_evaluate", "cmd_predict", "cmd_plot", "model_classes", "map_labels"]

_PROG = "denseflow"


def cmd_train(args) -> int:
    from denseflow.cli.runs import SPEC_OPTIONS, resolve_spec, train_run

    if args.resume:
        given = [o for o in SPEC_OPTIONS if getattr(args, o) is not None]
        if given:
            names = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(f"{_PROG} train: error: {names} cannot be changed when resuming; --resume continues "
                             f"the run with its saved settings (only --iterations, --print-every, "
                             f"--checkpoint-every, --threads, --quiet and --json may be given).")
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


def _load_eval_data(args, model):
    """{split name: (X, Y)} with Y mapped onto the model's classes."""
    from denseflow import datasets
    from denseflow.cli.runs import PLANAR, errors_in_flags

    if args.dataset in ("cat", "csv") and not args.data:
        raise ValueError(f"--dataset {args.dataset} needs --data PATH.")
    if args.dataset in PLANAR and args.data:
        raise ValueError(f"--data applies to --dataset cat or csv only; --dataset {args.dataset} is built in.")
    if args.label_column is not None and args.dataset != "csv":
        raise ValueError("--label-column applies to --dataset csv only.")
    if args.delimiter is not None and args.dataset != "csv":
        raise ValueError("--delimiter applies to --dataset csv only.")
    classifier = model.output_ != "identity"
    if args.dataset in PLANAR:
        # Points the model never saw: the same distribution, another seed (datasets.HELD_OUT_SEED).
        X, Y = datasets.load_dataset(args.dataset, held_out=True)
        _check_features(model, X, f"--dataset {args.dataset}", "")
        if classifier:
            Y = map_labels(model, Y, list(range(int(Y.max()) + 1)), f"--dataset {args.dataset}")
        return {"held-out": (X, Y)}
    if args.dataset == "cat":
        cat = datasets.load_cat(args.data)
        _check_features(model, cat.train_X, f"--data {args.data}", "")
        splits = {"train": (cat.train_X, cat.train_Y), "test": (cat.test_X, cat.test_Y)}
        if classifier:
            splits = {k: (X, map_labels(model, Y, list(cat.classes), f"the cat {k} set")) for k, (X, Y) in splits.items()}
        return splits
    with errors_in_flags():
        csv = datasets.load_csv(args.data, label_column=-1 if args.label_column is None else args.label_column,
                                delimiter=args.delimiter or ",", classes=model_classes(model) if classifier else None)
    _check_features(model, csv.X, args.data, " (and --label-column for the label)")
    return {"all": (csv.X, csv.Y)}


_SPLIT_LABELS = {"all": "", "held-out": "held-out ", "train": "train ", "test": "test  "}


def cmd_evaluate(args) -> int:
    from denseflow.io.modelfile import load

    model = load(args.model)
    splits = _load_eval_data(args, model)
    results = {}
    for split, (X, Y) in splits.items():
        results[split] = {"accuracy": float(model.accuracy(X, Y)), "cost": float(model.cost(X, Y)),
                          "m": int(X.shape[1])}
    if args.json:
        print_json({"model_path": str(args.model), "dataset": args.dataset, "results": results})
        return 0
    print(f"{type(model).__name__} {model.layer_dims_} on {args.dataset}")
    for split, r in results.items():
        label = _SPLIT_LABELS.get(split, f"{split} ")
        print(f"  {label}accuracy {100 * r['accuracy']:.2f} %   cost {r['cost']:.6f}   ({r['m']} examples)")
    if "held-out" in results:
        print(f"  (held-out: {results['held-out']['m']} new points of the {args.dataset} set, drawn with another "
              f"seed than the training points)")
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
