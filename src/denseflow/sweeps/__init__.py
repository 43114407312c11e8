"""Hyperparameter sweeps: trial and error from one laptop to many machines, on Optuna.

The notes choose α, the number of iterations, the number of layers L, the hidden units n[l] and
the activation by trial and error, looking at the cost curves. A sweep runs those trials for
you, in parallel, and keeps every result:

* a search space of grids (``n_h=1,2,3``) and ranges (``learning_rate=1e-4:1:log``), from the
  command line or a TOML file, over the first course's hyperparameters and the second's (the
  optimizer, mini-batch size, epochs, learning-rate schedule, L2 λ, dropout's keep_prob, β1, β2);
* the grid sampler (each point exactly once, even with many workers), random search or TPE, with
  a total trial budget shared by all workers;
* an Optuna journal file in the sweep folder (one machine), or PostgreSQL (several machines,
  with heartbeats: a dead machine's trials are failed and run again);
* per-trial seeds from ``numpy.random.SeedSequence`` (or the sweep's seed for every trial with
  ``same_seed``/``course``), so any trial can be rerun alone bit-identically
  (:func:`rerun_trial`);
* each trial's model file and history in ``SWEEP_DIR/trials/``, a report with the table, the
  overlay of all cost curves, the accuracy against each hyperparameter and ``best.npz``.

The modules, in the order a sweep uses them:

========== ======================================================================================
module     holds
========== ======================================================================================
space      the search space: grids, ranges, the TOML file, the known hyperparameters
config     :class:`SweepConfig`: data, model, sampler, budget, seeds; builds a trial's model
storage    the journal file (one machine) or PostgreSQL (several), opened the Optuna way
study      creating the study once, opening it, reaping trials of dead workers
claims     taking a trial from the queue (atomic, this worker recorded), giving it back
trial      one trial: record the worker, train, save atomically, report
trial_loop one worker's loop: pop or ask the next trial, until the sweep is done
stacking   grid points differing only in learning rate trained together (``--stack K``; full-batch gd)
results    the table, ``best.npz``, ``report.json``
figures    the report picture: cost overlay and accuracy against each hyperparameter
runner     the verbs: create, worker processes, resume, status, report, the one-shot run
========== ======================================================================================

Requires Optuna (``pip install 'denseflow[sweep]'``; PostgreSQL: ``'denseflow[postgres]'``); it is
imported inside functions only, so importing this package does not need it.

Examples
--------
The course's table of accuracy against the hidden-layer size (planar data, α = 1.2, 5000
iterations, seed 2):

>>> from denseflow.sweeps.runner import run_sweep
>>> rep = run_sweep("sweeps/hidden", dataset="planar", model="shallow", grid=["n_h=1,2,3,4,5,20,50"],
...                 learning_rate=1.2, iterations=5000, course=True, seed=2, workers=2)  # doctest: +SKIP
>>> {t["params"]["n_h"]: round(100 * t["train_accuracy"], 2) for t in rep["trials"]}  # doctest: +SKIP
{5: 91.25, 3: 90.75, 4: 90.5, 20: 90.5, 50: 90.25, 1: 67.5, 2: 67.25}

In parts (several machines)::

    sweep = create("sweeps/lr", storage="postgresql://me@db/sweeps", grid=["learning_rate=0.01,0.1,1"])
    worker(sweep)          # on every machine: denseflow sweep worker --storage … --study-name lr
    report(sweep)
"""

from denseflow.sweeps.config import SweepConfig
from denseflow.sweeps.runner import (
    create,
    make_config,
    report,
    rerun_trial,
    resume,
    run_sweep,
    run_workers,
    status,
    worker,
)
from denseflow.sweeps.space import (
    HYPERPARAMETERS,
    Choice,
    Range,
    load_space_file,
    parse_grid,
    parse_ranges,
)
from denseflow.sweeps.storage import StorageUnavailableError
from denseflow.sweeps.study import Sweep, open_sweep

__all__ = [
    "HYPERPARAMETERS",
    "Choice",
    "Range",
    "Sweep",
    "SweepConfig",
    "StorageUnavailableError",
    "create",
    "load_space_file",
    "make_config",
    "open_sweep",
    "parse_grid",
    "parse_ranges",
    "report",
    "rerun_trial",
    "resume",
    "run_sweep",
    "run_workers",
    "status",
    "worker",
]
