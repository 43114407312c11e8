"""The course's models: logistic regression, one hidden layer, L layers.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``networks``    :class:`Network` and its three faces, :class:`LogisticRegression`,
                :class:`ShallowNetwork` (n_h) and :class:`DeepNetwork` (layer_dims):
                fit / predict / predict_proba / accuracy / cost
``config``      the hyperparameters and their checks
``fitting``     what ``fit`` prepares: checks, standardization, start parameters, callbacks
``targets``     labels → the output layer's encoding (0/1 rows, one-hot, regression targets)
==============  ==============================================================================

Examples
--------
>>> from denseflow import datasets
>>> from denseflow.models import ShallowNetwork
>>> X, Y = datasets.planar_flower()
>>> model = ShallowNetwork(n_h=4, course=True, seed=2, num_iterations=1001)
>>> round(model.fit(X, Y).costs[1000], 6)      # the course prints 0.288083 at iteration 1000
0.288083
"""

from denseflow.models.networks import (
    MODELS,
    DeepNetwork,
    LogisticRegression,
    Network,
    ShallowNetwork,
)

__all__ = ["Network", "LogisticRegression", "ShallowNetwork", "DeepNetwork", "MODELS"]
