"""The sweep's verbs: create, run workers, resume, status, report — and the one-shot run.

Local workers are separate processes (``python -m denseflow.cli.sweep worker SWEEP_DIR``), one
per core by default, each limited to one BLAS thread so that they do not fight over the cores.
On several machines, run ``denseflow sweep create --storage postgresql://…`` once, then
``denseflow sweep worker --storage … --study-name …`` on each machine.

Examples
--------
>>> from denseflow.sweeps.runner import run_sweep  # doctest: +SKIP
>>> report = run_sweep("sweeps/hidden", dataset="planar", model="shallow",
...                    grid=["n_h=1,2,3,4,5,20,50"], learning_rate=1.2, iterations=5000,
...                    course=True, seed=2, workers=2)  # doctest: +SKIP
>>> [round(100 * t["train_accuracy"], 2) for t in report["trials"]][:3]  # doctest: +SKIP
[91.25, 90.75, 90.5]
"""

from __future__ import annotations

import os
import subprocess
import sys

from denseflow.sweeps.config import SweepConfig
from denseflow.sweeps.results import collect, write_report
from denseflow.sweeps.space import HYPERPARAMETERS, load_space_file, parse_grid, parse_ranges
from denseflow.sweeps.stacking import STACK_DEFAULT
from denseflow.sweeps.storage import JOURNAL, import_optuna
from denseflow.sweeps.study import (
    Sweep,
    create_study,
    load_study,
    open_sweep,
    reap_dead_trials,
)
from denseflow.sweeps.trial_loop import run_worker

__all__ = ["make_config", "create", "start_workers", "wait_workers", "run_workers", "run_sweep", "resume",
           "worker", "status", "report", "rerun_trial"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def make_config(*, grid=None, ranges=None, space_file=None, space=None, fixed=None, sampler=None, n_trials=None,
                **settings) -> SweepConfig:
    """Build and validate a :class:`SweepConfig` from CLI-style pieces.

    ``grid`` (``["n_h=1,2,3"]``), ``ranges`` (``["learning_rate=1e-4:1:log"]``), a TOML
    ``space_file`` and a ready ``space`` dict are merged (a hyperparameter may appear once).
    A keyword named like a hyperparameter (``learning_rate``, ``iterations``, ``optimizer``,
    ``batch_size``, ``lambd``, … — :data:`~denseflow.sweeps.space.HYPERPARAMETERS`) fixes it for
    every trial (None: unset). Other keywords are :class:`SweepConfig` fields (dataset, model,
    seed, course, …).

    Examples
    --------
    >>> cfg = make_config(grid=["optimizer=gd,adam"], batch_size=64, learning_rate=0.0007, num_epochs=10,
    ...                   dataset="moons")
    >>> cfg.fixed
    {'learning_rate': 0.0007, 'batch_size': 64, 'num_epochs': 10}
    """
    merged: dict = {}
    fixed_all = dict(fixed or {})
    if space_file is not None:
        doc = load_space_file(space_file)
        merged.update(doc["space"])
        fixed_all.update(doc["fixed"])
        sampler = sampler or doc["sampler"]
        n_trials = n_trials if n_trials is not None else doc["n_trials"]
    for part, origin in ((parse_grid(grid), "--grid"), (parse_ranges(ranges), "--range"), (space or {}, "space")):
        twice = sorted(set(part) & set(merged))
        if twice:
            raise ValueError(f"The hyperparameter {twice[0]!r} is given twice (again in {origin}); give it once.")
        merged.update(part)
    for name in HYPERPARAMETERS:
        value = settings.pop(name, None)
        if value is not None:
            fixed_all[name] = value
    config = SweepConfig(space=merged, fixed=fixed_all, sampler=sampler or "auto", n_trials=n_trials, **settings)
    return config.validated()


def create(out, *, storage=None, study_name=None, **settings) -> Sweep:
    """Create a sweep (its study, with the grid enqueued once) in the folder ``out``.

    Everything is validated — the space, the settings, the storage URL, the data — before the
    first write. Keywords: see :func:`make_config`.

    Returns
    -------
    Sweep
    """
    config = make_config(**settings)
    from denseflow.sweeps.storage import check_storage_url

    check_storage_url(storage or os.environ.get("DENSEFLOW_SWEEP_STORAGE"))
    config.check_models(config.load_data())  # fail now (missing files, bad CSV, a refused setting), not in workers
    return create_study(config, out, storage=storage, study_name=study_name)


def start_workers(sweep: Sweep, n: int, *, verbose: bool = True, storage=None, stack=None) -> list:
    """Start ``n`` worker processes on ``sweep``; returns their ``subprocess.Popen`` objects.

    ``stack``: grid points trained together at most (default 8; 1 turns stacking off), see
    :func:`~denseflow.sweeps.trial_loop.run_worker`; the ``n`` workers share the queue.
    """
    env = dict(os.environ)
    if n > 1:
        for var in _THREAD_VARS:
            env.setdefault(var, "1")
    if storage:
        env["DENSEFLOW_SWEEP_STORAGE"] = storage  # keeps a password off the command line
    cmd = [sys.executable, "-m", "denseflow.cli.sweep", "worker", str(sweep.directory),
           "--study-name", sweep.study_name]
    cmd += ["--stack", str(_stack(stack)), "--share", str(n)]
    if not verbose:
        cmd.append("--quiet")
    return [subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL) for _ in range(n)]


def wait_workers(procs) -> list[int]:
    """Wait for the worker processes; on Ctrl-C, let them re-queue their trials, then re-raise."""
    try:
        return [p.wait() for p in procs]
    except KeyboardInterrupt:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait()
        raise


def run_workers(sweep: Sweep, workers=None, *, verbose: bool = True, storage=None, stack=None) -> list[int]:
    """Run ``workers`` local worker processes (default: the number of cores) to the end."""
    n = _n_workers(workers)
    return wait_workers(start_workers(sweep, n, verbose=verbose, storage=storage, stack=stack))


def _stack(stack):
    if stack is None:
        return STACK_DEFAULT
    if isinstance(stack, bool) or not isinstance(stack, int) or stack < 1:
        raise ValueError(f"The 'stack' parameter of the sweep must be an int >= 1 (1 trains every trial alone). "
                         f"Got {stack!r} instead.")
    return stack


def _n_workers(workers):
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"The 'workers' parameter of the sweep must be an int >= 1. Got {workers!r} instead.")
    return workers


def run_sweep(out, *, workers=None, storage=None, study_name=None, verbose: bool = True, plots: bool = True,
              stack=None, **settings) -> dict:
    """The one-shot sweep: create it in ``out``, run ``workers`` processes, write the report.

    Keywords: see :func:`make_config` and :class:`~denseflow.sweeps.config.SweepConfig`;
    ``stack`` (default 8, 1 = off): grid points differing only in learning rate trained together.

    Returns
    -------
    dict
        :func:`denseflow.sweeps.results.write_report`'s report (``trials`` best first).
    """
    n = _n_workers(workers)
    _stack(stack)
    sweep = create(out, storage=storage, study_name=study_name, **settings)
    codes = run_workers(sweep, n, verbose=verbose, storage=storage, stack=stack)
    rep = write_report(sweep, plots=plots)
    rep["worker_exit_codes"] = codes
    return rep


def resume(sweep, *, workers=None, grace_period: float = 60.0, verbose: bool = True, plots: bool = True,
           storage=None, study_name=None, stack=None) -> dict:
    """Continue a sweep after a crash: reap trials of dead workers, run workers, write the report.

    On the journal backend, RUNNING trials whose recorded process on this host is gone are failed
    and their points queued again (a trial with no worker record after ``grace_period`` seconds
    too); on a database, stale heartbeats do the same.
    """
    n = _n_workers(workers)
    _stack(stack)
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    optuna = import_optuna()
    study, store, _ = load_study(sweep, heartbeat=True)
    if sweep.storage != JOURNAL:
        optuna.storages.fail_stale_trials(study)
    reap_dead_trials(study, store, grace_period=grace_period, check_pids=sweep.storage == JOURNAL)
    codes = run_workers(sweep, n, verbose=verbose, storage=storage, stack=stack)
    rep = write_report(sweep, plots=plots)
    rep["worker_exit_codes"] = codes
    return rep


def worker(sweep, *, max_trials=None, verbose: bool = True, storage=None, study_name=None, stack=None,
           share: int = 1):
    """Run one worker in this process (what ``denseflow sweep worker`` does).

    ``stack`` (default 8; 1 = off): grid points that differ only in learning rate (and seed) are
    trained together in one stacked computation, with the results of separate runs; ``share``:
    the number of workers sharing the queue (a batch takes at most ⌈waiting / share⌉ points).

    On a database sweep run from a machine without the sweep folder, ``sweep`` is the folder
    where this machine's trial files go (a ``sweep.json`` is written there for later reports).
    """
    from denseflow.sweeps.study import SWEEP_FILE, _write_sweep_file

    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    if sweep.storage != JOURNAL and not (sweep.directory / SWEEP_FILE).exists():
        _write_sweep_file(sweep)
    if isinstance(share, bool) or not isinstance(share, int) or share < 1:
        raise ValueError(f"The 'share' parameter of the sweep worker must be an int >= 1. Got {share!r} instead.")
    return run_worker(sweep, max_trials=max_trials, verbose=verbose, stack=_stack(stack), share=share)


def status(sweep, *, storage=None, study_name=None) -> dict:
    """The sweep's trials and counts, without writing anything (see :func:`collect`)."""
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    return collect(sweep)


def report(sweep, *, plots: bool = True, storage=None, study_name=None) -> dict:
    """Write the report (``best.npz``, ``report.json``, ``report.png``) and return it."""
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    return write_report(sweep, plots=plots)


def rerun_trial(sweep, number: int, *, storage=None, study_name=None):
    """Train trial ``number`` again, alone, from its stored hyperparameters and seed.

    Training is deterministic given the trial's seed (which also draws the mini-batches' order and
    the dropout masks), so the parameters are bit-identical to the trial's model file (same
    machine and BLAS).

    Returns
    -------
    Network
        The fitted model.
    """
    sweep = sweep if isinstance(sweep, Sweep) else open_sweep(sweep, storage=storage, study_name=study_name)
    study, _, config = load_study(sweep)
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    if number not in trials:
        raise ValueError(f"The sweep has no trial {number}; its trials are 0 … {len(trials) - 1}.")
    t = trials[number]
    if t.user_attrs.get("seed") is None or not t.params:
        raise ValueError(f"Trial {number} never started ({t.state.name}); there is nothing to rerun.")
    data = config.load_data()
    model = config.build_model(dict(t.params), t.user_attrs["seed"], data)
    model.fit(data.X, data.Y, data.X_val, data.Y_val)
    return model

