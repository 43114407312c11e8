"""What the ``denseflow`` and ``denseflow sweep`` command lines share 

An argparse parser whose errors are one line raised as :class:`UsageError` (exit code 2, never
printed usage), the help formatter, and the argument types whose bad values give one-line
errors. Only the standard library is imported.

Examples
--------
>>> parser = Parser(prog="demo")
>>> _ = parser.add_argument("--n", type=int_at_least(1))
>>> parser.parse_args(["--n", "3"]).n
3
>>> try:
...     parser.parse_args(["--n", "0"])
... except UsageError as exc:
...     print(exc)
argument --n: expected a whole number >= 1, got '0' (see 'demo --help')
>>> column("2"), column("label")
(2, 'label')
"""

from __future__ import annotations

import argparse
import json
import os
import sys


class UsageError(Exception):
    """Bad command-line usage (exit code 2): a one-line message, never a traceback."""


__all__ = ["UsageError", "Parser", "formatter", "int_at_least", "seed_type", "column", "delimiter", "threads",
           "print_json", "json_default", "stdout_gone"]


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors raised as :class:`UsageError` instead of printed usage.

    The message is ``"{message} (see '{prog} --help')"``; a subclass with ``prefix_prog = True``
    puts ``"{prog}: error: "`` in front.
    """

    prefix_prog = False

    def error(self, message):
        prefix = f"{self.prog}: error: " if self.prefix_prog else ""
        raise UsageError(f"{prefix}{message} (see '{self.prog} --help')")


def formatter(max_help_position: int):
    """A ``formatter_class`` keeping the epilog's layout, option help from column ``max_help_position``."""

    def make(prog):
        return argparse.RawDescriptionHelpFormatter(prog, max_help_position=max_help_position)

    return make


def int_at_least(low: int, high: int | None = None, high_text: str | None = None):
    """An argument type: a whole number >= ``low`` (and <= ``high``, shown as ``high_text``), with a
    one-line error otherwise."""
    expected = f">= {low}" if high is None else f"in [{low}, {high_text or high}]"

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {expected}, got {text!r}")
        return value

    return parse


#: A seed: what ``np.random.RandomState`` (the course's seeding) accepts.
seed_type = int_at_least(0, 2**32 - 1, "2**32 - 1")


def column(text):
    """An argument type for a CSV column: its index when ``text`` is a whole number, else its name."""
    try:
        return int(text)
    except ValueError:
        return text


_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|"}


def delimiter(text):
    r"""An argument type for a CSV delimiter: one character, or tab, \t, comma, semicolon, space, pipe.

    >>> delimiter(";"), delimiter("tab"), delimiter("\t")
    (';', '\t', '\t')
    """
    value = _DELIMITERS.get(text.lower(), text)
    if len(value) != 1 or value in "\r\n\"":
        raise argparse.ArgumentTypeError(
            f"expected one character such as ';' (or tab, comma, semicolon, space, pipe), got {text!r}")
    return value


def threads(text):
    """An argument type for BLAS threads: 'auto' or a whole number >= 1.

    >>> threads("auto"), threads("1")
    ('auto', 1)
    """
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a whole number >= 1, got {text!r}")
    return value


def print_json(obj) -> None:
    """Print ``obj`` as one line of strict JSON (NumPy scalars and arrays as numbers and lists)."""
    print(json.dumps(obj, allow_nan=False, default=json_default))


def json_default(obj):
    """``json.dumps``'s ``default``: NumPy scalars and arrays as Python numbers and lists."""
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def stdout_gone() -> int:
    """The reader of stdout went away (``| head``): not an error of ours; returns exit code 0.

    Points the file descriptor at /dev/null, so that the interpreter's last flush of the
    buffered stdout does not fail again (the recipe of Python's ``signal`` documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 0
