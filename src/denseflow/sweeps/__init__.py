"""Hyperparameter sweeps on Optuna: the parts behind :mod:`denseflow.sweep` and ``denseflow sweep``.

========== ======================================================================================
module     holds
========== ======================================================================================
space      the search space: grids, ranges, the TOML file, the known hyperparameters
config     :class:`SweepConfig`: data, model, sampler, budget, seeds; builds a trial's model
storage    the journal file (one machine) or PostgreSQL (several), opened the Optuna way
study      creating the study once, opening it, reaping trials of dead workers
claims     taking a trial from the queue (atomic, this worker recorded), giving it back
trial_loop one worker's loop: pop or ask a trial, train, save atomically, report
stacking   grid points differing only in learning rate trained together (``--stack K``)
results    the table, ``best.npz``, ``report.json``
figures    the report picture: cost overlay and accuracy against each hyperparameter
runner     the verbs: create, worker processes, resume, status, report, the one-shot run
========== ======================================================================================

Optuna is imported inside functions only, so importing this package does not need it.
"""

from .config import SweepConfig
from .runner import create, make_config, report, rerun_trial, resume, run_sweep, run_workers, status, worker
from .space import HYPERPARAMETERS, Choice, Range, load_space_file, parse_grid, parse_ranges
from .storage import StorageUnavailableError
from .study import Sweep, open_sweep

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
