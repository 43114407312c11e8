"""denseflow: vectorized neural networks in NumPy, the way the classic deep-learning course teaches them.

X has shape (n_x, m), one column per example; Y has shape (1, m) (or (C, m) one-hot);
W[l] has shape (n[l], n[l-1]). See the README for the two commands that install and run it.

The packages, from the course's arithmetic outwards (imports point inward only, a contract
checked by ``lint-imports``):

=================  ===========================================================================
package            holds
=================  ===========================================================================
``core``           the course's arithmetic: activations, losses, initializers, caches,
                   propagation, optimizers, mini-batches, learning-rate schedules,
                   regularization (and the input checks they share)
``datasets``       the planar flower and the extra planar sets, the cat files, the
                   football positions, CSV tables
``training``       the loop, history and checkpoints; the reference, fast and stacked engines
``models``         LogisticRegression, ShallowNetwork, DeepNetwork
``gradcheck``      back-propagation against central differences, per parameter
``graph``          a scalar computation-graph engine for the notes' derivatives
``io``             model files and checkpoints (no pickle, atomic writes)
``plots``          cost curves, decision boundaries, mislabeled images
``reproduce``      the course's published figures, checked
``sweeps``         hyperparameter sweeps on Optuna
``sklearn``        scikit-learn estimators
``playground``     the course's network learning live in the browser (``denseflow playground``)
``cli``            the ``denseflow`` command
=================  ===========================================================================

Every public name has one import path: its package (``from denseflow.models import
ShallowNetwork``), or for the course's arithmetic its module (``from denseflow.core.propagation
import model_forward``). :func:`save` and :func:`load` are here.

Only NumPy and SciPy are imported by ``import denseflow``; every package loads when first used
(``denseflow.datasets`` works after ``import denseflow``), and plots, the CLI, sweeps, the
scikit-learn estimators and model files bring their heavier dependencies only then.

Examples
--------
>>> import denseflow
>>> X, Y = denseflow.datasets.planar_flower()
>>> X.shape, Y.shape
((2, 400), (1, 400))
"""

import importlib

__version__ = "0.1.0"

_PACKAGES = ("core", "datasets", "training", "models", "gradcheck", "graph", "io", "plots", "reproduce", "sweeps",
             "sklearn", "playground", "cli")

__all__ = [*_PACKAGES, "save", "load", "__version__"]


def save(model, path) -> None:
    """Save a fitted model to ``path``: ``.npz`` arrays plus JSON metadata, no pickle, atomic.

    See :mod:`denseflow.io` for the format and its checks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import denseflow
    >>> from denseflow.models import LogisticRegression
    >>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
    >>> model = LogisticRegression(learning_rate=0.5, num_iterations=100)
    >>> _ = model.fit(X, Y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> denseflow.save(model, path)
    >>> denseflow.load(path).predict(X)
    array([[0, 0, 1, 1]])
    """
    from denseflow.io.modelfile import save as _save

    _save(model, path)


def load(path):
    """Load a model saved by :func:`save`; a damaged or inconsistent file is a ``ModelFileError``.

    Files are read with ``allow_pickle=False`` and checked against their metadata before use.
    """
    from denseflow.io.modelfile import load as _load

    return _load(path)


def __getattr__(name):
    # Packages load when first used, so `import denseflow` stays light (NumPy and SciPy only).
    if name in _PACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'denseflow' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PACKAGES))
