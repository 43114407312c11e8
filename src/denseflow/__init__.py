"""denseflow: vectorized neural networks in NumPy, the way the classic deep-learning course teaches them.

X has shape (n_x, m), one column per example; Y has shape (1, m) (or (C, m) one-hot);
W[l] has shape (n[l], n[l-1]). See the README for the two commands that install and run it.

Only NumPy and SciPy are imported here; plots, the CLI, sweeps, the scikit-learn estimator and
model files load lazily when used.
"""

from . import activations, datasets, initializers, losses, optimizers, propagation, training
from .activations import ACTIVATIONS
from .initializers import INITIALIZERS, initialize_parameters
from .losses import LOSSES
from .models import DeepNetwork, LogisticRegression, Network, ShallowNetwork
from .training import Checkpoint, History, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "INITIALIZERS",
    "Checkpoint",
    "DeepNetwork",
    "History",
    "LogisticRegression",
    "Network",
    "ShallowNetwork",
    "TrainingDivergedError",
    "activations",
    "datasets",
    "initializers",
    "initialize_parameters",
    "losses",
    "optimizers",
    "propagation",
    "training",
    "save",
    "load",
    "gradcheck",
    "graph",
    "reproduce",
    "fast",
    "stacked",
    "sweep",
    "__version__",
]


def save(model, path):
    """Save a fitted model to ``path`` (.npz, no pickle, atomic). See :func:`denseflow.io.save`."""
    from .io import save as _save

    return _save(model, path)


def load(path):
    """Load a model saved by :func:`save`. See :func:`denseflow.io.load`."""
    from .io import load as _load

    return _load(path)


def __getattr__(name):
    # Lazily loaded submodules: the outer ring (and its heavier imports) only when used.
    if name in ("gradcheck", "graph", "io", "plots", "cli", "sweep", "sklearn", "reproduce", "fast", "stacked"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'denseflow' has no attribute {name!r}")
