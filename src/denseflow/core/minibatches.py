"""Mini-batches: shuffle the columns of (X, Y) and cut them into batches of ``mini_batch_size``.

The course's week-2 "Optimization Methods" draws one permutation of the m examples per epoch,
from the legacy generator seeded with the epoch's seed (the notebook's model passes 11, 12, …),
and cuts ⌊m / mini_batch_size⌋ full batches plus, when m is not a multiple, one last smaller batch
of the m mod mini_batch_size remaining columns:

    permutation = RandomState(seed).permutation(m)
    batch k = columns permutation[k·B : (k+1)·B],  k = 0 … ⌈m / B⌉ − 1

``random_mini_batches(X, Y, B, seed)`` draws exactly the notebook's permutation (its
``np.random.seed(seed); np.random.permutation(m)``) from its own ``RandomState(seed)``, so the
global NumPy generator is neither used nor changed.

Examples
--------
>>> import numpy as np
>>> X = np.arange(10.0).reshape(2, 5)
>>> Y = np.array([[0, 1, 0, 1, 1]])
>>> batches = random_mini_batches(X, Y, mini_batch_size=2, seed=0)
>>> [batch.X.shape for batch in batches]
[(2, 2), (2, 2), (2, 1)]
>>> mini_batch_X, mini_batch_Y = batches[0]  # the course's unpacking
>>> mini_batch_X
array([[2., 0.],
       [7., 5.]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from denseflow.core.validation import check_positive_int, check_seed, check_XY

__all__ = ["MiniBatch", "random_mini_batches"]


class MiniBatch(NamedTuple):
    """One mini-batch: X (n_x, B) and Y (n_y, B); unpacks as ``(mini_batch_X, mini_batch_Y)``."""

    X: np.ndarray
    Y: np.ndarray


def random_mini_batches(X, Y, mini_batch_size: int = 64, seed=0):
    """Shuffle the examples (columns) of X and Y together and cut them into mini-batches.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (n_y, m)
        Labels, one column per example (the course's (1, m)).
    mini_batch_size : int, default 64
        B ≥ 1; the last batch holds m mod B examples when B does not divide m. B ≥ m gives one
        (shuffled) batch.
    seed : int, numpy.random.RandomState or numpy.random.Generator, default 0
        An int seeds a legacy ``RandomState`` as the notebook's ``np.random.seed(seed)`` does
        (bit-identical permutations); a generator is drawn from (and advances).

    Returns
    -------
    list of MiniBatch
        ``[(mini_batch_X, mini_batch_Y), …]``: ⌈m / B⌉ batches, shapes (n_x, B), (n_y, B), the last
        (n_x, m mod B) when B does not divide m. The arrays are copies.

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = np.random.RandomState(1).randn(12288, 148), np.ones((1, 148))
    >>> [b.X.shape[1] for b in random_mini_batches(X, Y, 64)]
    [64, 64, 20]
    """
    owner = "random_mini_batches"
    X, Y = check_XY(X, Y, owner=owner)
    B = check_positive_int(mini_batch_size, "mini_batch_size", owner)
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        rng = seed
    else:
        rng = np.random.RandomState(check_seed(seed, owner))
    m = X.shape[1]
    permutation = rng.permutation(m)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    return [MiniBatch(shuffled_X[:, k:k + B], shuffled_Y[:, k:k + B]) for k in range(0, m, B)]
