"""The ``denseflow`` command line, one module per command group.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``app``         :func:`main` and the argument parser of every command
``commands``    train, evaluate, predict, info, plot: a model and its run folder
``course``      reproduce, gradcheck, graph: the course's figures and derivatives
``sweep``       ``denseflow sweep …``
``runs``        run folders: the data, the model, training, scores, pictures and files of one run
``specs``       a run's settings: defaults, checks of the options, the restart command
``arguments``   the shared argument types and the usage error
``progress``    the progress bar or log lines
==============  ==============================================================================
"""

from denseflow.cli.app import build_parser, main

__all__ = ["main", "build_parser"]
