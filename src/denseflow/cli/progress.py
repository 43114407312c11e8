"""Training progress for the command line: a tqdm bar on a terminal, plain lines otherwise.

:class:`Progress` is a training callback (it receives :class:`denseflow.training.TrainingEvent`)
that also writes checkpoints. Hook it on a model with :meth:`Progress.attach`, which sets the
model's ``callback`` and ``print_every`` so that it runs exactly as often as needed:

* on a terminal (``stream.isatty()``): a tqdm progress bar showing the current cost;
* otherwise (a log file, CI): one line per ``print_every`` iterations, in the course's words
  ``Cost after iteration 1000: 0.288083`` (``Cost after epoch 20: …`` with mini-batches) — logs
  never fill with bar redraws;
* ``quiet=True``: nothing at all.

tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import math
import shutil
import sys
from typing import Callable

__all__ = ["Progress"]


class Progress:
    """A training callback: progress bar or log lines, plus periodic checkpoints.

    Parameters
    ----------
    num_iterations : int
        The run's total number of iterations.
    print_every : int
        Log a line (when not a terminal) at iterations i with ``i % print_every == 0``.
    quiet : bool
        Show nothing.
    stream : file, default sys.stderr
    checkpoint_every : int or None
        Call ``on_checkpoint(event.checkpoint())`` after iterations i > 0 with
        ``i % checkpoint_every == 0``.
    on_checkpoint : callable, optional
    start : int
        Iterations already done (when resuming).
    bar : bool or None
        Force (True) or forbid (False) the bar; None: a bar iff ``stream`` is a terminal.
    unit : {'iteration', 'epoch'}
        What the events count: one update (full batch) or one pass over the mini-batches.
    """

    def __init__(self, num_iterations: int, print_every: int, *, quiet: bool = False, stream=None,
                 checkpoint_every: int | None = None, on_checkpoint: Callable | None = None,
                 start: int = 0, bar: bool | None = None, unit: str = "iteration"):
        self.unit = unit
        self.total = int(num_iterations)
        self.print_every = max(1, int(print_every))
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.checkpoint_every = checkpoint_every
        self.on_checkpoint = on_checkpoint
        self.start = int(start)
        if bar is None:
            isatty = getattr(self.stream, "isatty", None)
            bar = bool(isatty and isatty())
        self.use_bar = bar and not quiet
        self._bar = None
        self.lines = 0

    # how often the model must call us
    def every(self) -> int:
        """The callback period: the gcd of the print, checkpoint and bar periods."""
        steps = []
        if not self.quiet:
            steps.append(max(1, self.total // 200) if self.use_bar else self.print_every)
        if self.checkpoint_every:
            steps.append(int(self.checkpoint_every))
        if not steps:
            return self.total + 1  # only the last iteration
        g = 0
        for s in steps:
            g = math.gcd(g, s)
        return max(1, g)

    def attach(self, model) -> "Progress":
        """Set ``model.callback = self`` and ``model.print_every`` to :meth:`every`."""
        model.callback = self
        model.print_every = self.every()
        return self

    def __call__(self, event) -> None:
        i = event.iteration
        if self.checkpoint_every and self.on_checkpoint is not None and i > 0 \
                and i % self.checkpoint_every == 0 and event.completed < event.num_iterations:
            self.on_checkpoint(event.checkpoint())
        if self.quiet:
            return
        if self.use_bar:
            self._update_bar(event)
        elif i % self.print_every == 0:
            if event.cost is None:
                print(f"{self.unit.capitalize()} {i}", file=self.stream, flush=True)
            else:
                print(f"Cost after {self.unit} {i}: {event.cost:.6f}", file=self.stream, flush=True)
            self.lines += 1

    def _update_bar(self, event):
        if self._bar is None:
            from tqdm import tqdm

            # A terminal that reports a size of 0 x 0 (e.g. under `script`) would hide the bar: use 80 x 24.
            size = shutil.get_terminal_size((80, 24))
            self._bar = tqdm(total=self.total, initial=self.start, file=self.stream,
                             unit="epoch" if self.unit == "epoch" else "it",
                             desc="training", ncols=min(size.columns, 120), nrows=max(size.lines, 2), leave=True)
        if event.cost is not None:
            self._bar.set_postfix_str(f"cost={event.cost:.6f}", refresh=False)
        self._bar.update(event.completed - self._bar.n)

    def close(self) -> None:
        """Finish the bar (if any)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
