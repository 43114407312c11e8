"""The playground: watch the course's network learn in the browser, with the course's equations.

``denseflow playground`` starts a local web app (loopback only unless ``--host`` says otherwise)
and opens it in the browser. The page trains the library's own models — the numbers it shows
are the library's, bit for bit — and draws, live, the cost curves, the decision boundary, what
every hidden unit computes, the weights and, for each layer, the shapes and formulas of W[l],
b[l], Z[l], A[l], dW[l], db[l]; it hands back the model file, the ``denseflow train`` command and
the Python code that reproduce the run, and the pictures.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``data``        :func:`xor`, :func:`spiral`; the data of a run (generated or uploaded CSV), split
``settings``    :class:`Settings`: every setting, checked with the library's messages, and caps
``trainer``     :class:`Trainer`: the model trained a few iterations at a time, what the page draws
``handback``    the command and the Python code that reproduce a run
``guard``       the Host/Origin guard (DNS rebinding, cross-origin requests), security headers
``sessions``    one session per page: the background task that trains and streams frames
``server``      :func:`create_app`: the Starlette app (JSON API, WebSocket, the page's files)
``launch``      :func:`serve` and :func:`cli_command` (``denseflow playground``)
==============  ==============================================================================

The page's files are in ``static/`` (uPlot, from the npm registry, is vendored there with its
licence); nothing is fetched from elsewhere at run time.

Examples
--------
>>> from denseflow.playground import Trainer, make_data, update_settings
>>> settings = update_settings(None, {"dataset": "xor", "layers": [4, 4], "hidden_activation": "relu",
...                                   "initialization": "he", "learning_rate": 0.1, "num_iterations": 500})
>>> trainer = Trainer(settings, make_data(settings))
>>> trainer.advance(500)
500
>>> trainer.reproduction()["command"]   # XOR is handed back as a CSV file
'denseflow train --dataset csv --data data.csv --no-standardize --model deep --layers 4,4 --hidden-activation relu --init he --learning-rate 0.1 --iterations 500 --seed 2 --course'
"""

from denseflow.playground.data import (
    GENERATORS,
    PlaygroundData,
    make_data,
    read_upload,
    spiral,
    to_csv,
    xor,
)
from denseflow.playground.handback import reproduction
from denseflow.playground.launch import DEFAULT_PORT, cli_command, serve
from denseflow.playground.server import create_app
from denseflow.playground.settings import Settings, options, update_settings
from denseflow.playground.trainer import NotTrainedError, Trainer, build_model

__all__ = [
    "xor",
    "spiral",
    "GENERATORS",
    "PlaygroundData",
    "make_data",
    "read_upload",
    "to_csv",
    "Settings",
    "update_settings",
    "options",
    "Trainer",
    "NotTrainedError",
    "build_model",
    "reproduction",
    "create_app",
    "serve",
    "cli_command",
    "DEFAULT_PORT",
]
