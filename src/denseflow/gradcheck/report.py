"""The printed form of a gradient-check report.

:func:`_format_report` writes the table that :meth:`denseflow.gradcheck.GradCheckReport.format`
returns and ``denseflow gradcheck`` prints: one row per parameter array (relative error, its
rounding floor, the worst entry with its analytic and numeric derivative), the course's
single-vector difference, the verdict and, for a failed check, what to look at: rounding noise
(rerun with a larger ε), a layer's backward step, or a z too close to a ReLU kink.

Only NumPy is imported; the report is read through its attributes, so this module does not import
:mod:`denseflow.gradcheck`.

Examples
--------
>>> from denseflow.gradcheck import random_check
>>> print(random_check([2, 1], "relu", "sigmoid", seed=0).format())  # doctest: +ELLIPSIS
Gradient check: two-sided differences, epsilon = 1e-07, float64
hidden relu, output sigmoid, loss binary_cross_entropy, cost J = ...
<BLANKLINE>
param  shape      rel. error  rounding  worst entry          analytic          numeric
W1     (1, 2)     ...
b1     (1, 1)     ...
<BLANKLINE>
course's single-vector difference: ...
max relative error ... < 1e-07: PASSED
"""

from __future__ import annotations

import numpy as np


def _format_report(report) -> str:
    """The terminal table of ``report`` (a :class:`~denseflow.gradcheck.GradCheckReport`)."""
    lines = [
        f"Gradient check: two-sided differences, epsilon = {report.epsilon:g}, float64",
        f"hidden {report.hidden_activation}, output {report.output_activation}, loss {report.loss}, "
        f"cost J = {report.cost:.6g}",
        "",
        f"{'param':<6} {'shape':<10} {'rel. error':>10} {'rounding':>9}  {'worst entry':<12} "
        f"{'analytic':>16} {'numeric':>16}",
    ]
    for e in report.entries:
        lines.append(
            f"{e.name:<6} {str(e.shape):<10} {e.relative_error:>10.2e} {e.rounding_error:>9.0e}  "
            f"{str(e.worst_index):<12} "
            f"{e.analytic:>16.9e} {e.numeric:>16.9e}  {'ok' if e.passed else 'FAILED'}"
        )
    lines.append("")
    lines.append(f"course's single-vector difference: {report.difference:.2e}")
    if report.passed:
        lines.append(f"max relative error {report.max_error:.2e} < {report.threshold:g}: PASSED")
        return "\n".join(lines)
    layers = ", ".join(str(l) for l in report.failed_layers)
    lines.append(
        f"max relative error {report.max_error:.2e} >= {report.threshold:g}: FAILED for "
        f"{', '.join(report.failed)} (layer {layers})."
    )
    failing = [e for e in report.entries if not e.passed]
    if all(np.isfinite(e.relative_error) and e.relative_error <= 3 * e.rounding_error for e in failing):
        lines.append(
            "These errors are at the level of rounding noise in J (the 'rounding' column): the "
            "gradients are probably right but small. Rerun with epsilon=1e-5."
        )
    else:
        lines.append(
            "Check that layer's backward step: dZ[l] = dA[l] * g'(Z[l]), dW[l] = (1/m) dZ[l] A[l-1]^T, "
            "db[l] = (1/m) sum of dZ[l] over the examples."
        )
    if report.kink_distance is not None and report.kink_distance < 1e3 * report.epsilon:
        lines.append(
            f"Some z of a ReLU-type layer is {report.kink_distance:.1e} from the kink at 0, where the "
            f"two-sided difference is unreliable; try other data or a smaller epsilon."
        )
    return "\n".join(lines)
