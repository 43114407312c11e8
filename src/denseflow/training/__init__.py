"""Training: the loop around the course's iteration, and the engines that compute it.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``loop``        :func:`train`: iterations, :class:`History` (cost before each update), callbacks,
                :class:`Checkpoint` and exact resume, the divergence guard
``engines``     :class:`ReferenceEngine` (the step-by-step course functions: full batch, and
                mini-batches with an optimizer, L2 and dropout), :class:`TrainingSetup`, and
                :func:`make_engine`, which picks the engine for a network
``fast``        :class:`FastEngine`: the same iteration on buffers allocated once, bit for bit;
                :class:`FastBatchEngine`: mini-batches, momentum/RMSprop/Adam, L2 and dropout
                on buffers allocated once per batch shape, bit for bit (Adam outside course
                mode: its folded step, equal to rounding)
``kernels``     :func:`step_kernel`: the mini-batch optimizer step in one compiled pass (numba,
                optional: ``pip install "denseflow[fast]"``), bit for bit the NumPy passes
                (``DENSEFLOW_NUMBA``)
``stacked``     :func:`train_stacked`: K models of one architecture (learning rates, seeds) at once
``threads``     :func:`choose_threads` / :func:`blas_threads`: BLAS threads for small products and
                busy machines (``DENSEFLOW_NUM_THREADS``)
==============  ==============================================================================

Import the public names from ``denseflow.training``.

Examples
--------
>>> import numpy as np
>>> from denseflow.training import train
>>> from denseflow.core.initializers import initialize_parameters
>>> X = np.array([[0., 1., 2., 3.]]); Y = np.array([[0, 0, 1, 1]])
>>> result = train(initialize_parameters([1, 1], "zeros"), X, Y, learning_rate=0.5, num_iterations=100)
>>> round(result.history.costs[0], 6)
0.693147
"""

from denseflow.training.engines import ReferenceEngine, TrainingSetup, build_optimizer, make_engine
from denseflow.training.fast import SUPPORTED_HIDDEN, FastBatchEngine, FastEngine, batch_supports, example_major, supports
from denseflow.training.loop import (
    Checkpoint,
    History,
    StopTraining,
    TrainingDivergedError,
    TrainingEvent,
    TrainingResult,
    TrainingWarning,
    COURSE_MINI_BATCH_SEED,
    accuracy_of,
    make_schedule,
    predict_labels,
    train,
)
from denseflow.training.stacked import StackedEngine, StackedResult, train_stacked
from denseflow.training.threads import blas_threads, choose_threads, copy_threads

__all__ = [
    "History",
    "TrainingEvent",
    "Checkpoint",
    "TrainingResult",
    "TrainingDivergedError",
    "TrainingWarning",
    "StopTraining",
    "train",
    "predict_labels",
    "accuracy_of",
    "ReferenceEngine",
    "TrainingSetup",
    "build_optimizer",
    "make_engine",
    "make_schedule",
    "COURSE_MINI_BATCH_SEED",
    "FastEngine",
    "FastBatchEngine",
    "supports",
    "batch_supports",
    "example_major",
    "SUPPORTED_HIDDEN",
    "StackedEngine",
    "StackedResult",
    "train_stacked",
    "choose_threads",
    "blas_threads",
    "copy_threads",
]
