"""Hyperparameter sweeps: trial and error from one laptop to many machines, on Optuna.

The notes choose α, the number of iterations, the number of layers L, the hidden units n[l] and
the activation by trial and error, looking at the cost curves. A sweep runs those trials for
you, in parallel, and keeps every result:

* a search space of grids (``n_h=1,2,3``) and ranges (``learning_rate=1e-4:1:log``), from the
  command line or a TOML file;
* the grid sampler (each point exactly once, even with many workers), random search or TPE, with
  a total trial budget shared by all workers;
* an Optuna journal file in the sweep folder (one machine), or PostgreSQL (several machines,
  with heartbeats: a dead machine's trials are failed and run again);
* per-trial seeds from ``numpy.random.SeedSequence`` (or the sweep's seed for every trial with
  ``same_seed``/``course``), so any trial can be rerun alone bit-identically
  (:func:`rerun_trial`);
* each trial's model file and history in ``SWEEP_DIR/trials/``, a report with the table, the
  overlay of all cost curves, the accuracy against each hyperparameter and ``best.npz``.

Requires Optuna (``pip install 'denseflow[sweep]'``; PostgreSQL: ``'denseflow[postgres]'``).

Examples
--------
The course's table of accuracy against the hidden-layer size (planar data, α = 1.2, 5000
iterations, seed 2):

>>> from denseflow.sweep import run_sweep
>>> rep = run_sweep("sweeps/hidden", dataset="planar", model="shallow", grid=["n_h=1,2,3,4,5,20,50"],
...                 learning_rate=1.2, iterations=5000, course=True, seed=2, workers=2)  # doctest: +SKIP
>>> {t["params"]["n_h"]: round(100 * t["train_accuracy"], 2) for t in rep["trials"]}  # doctest: +SKIP
{5: 91.25, 3: 90.75, 4: 90.5, 20: 90.5, 50: 90.25, 1: 67.5, 2: 67.25}

In parts (several machines)::

    sweep = create("sweeps/lr", storage="postgresql://me@db/sweeps", grid=["learning_rate=0.01,0.1,1"])
    worker(sweep)          # on every machine: denseflow sweep worker --storage … --study-name lr
    report(sweep)
"""

from . import sweeps as _sweeps
from .sweeps import *  # noqa: F401,F403 - the public names, listed in denseflow.sweeps.__all__

__all__ = list(_sweeps.__all__)
