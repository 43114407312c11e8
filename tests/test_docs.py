"""The docstrings' examples and the README's Python examples run and say what they claim."""

import doctest
import importlib
import re
from pathlib import Path

import pytest

CORE_MODULES = [
    "denseflow.activations",
    "denseflow.losses",
    "denseflow.initializers",
    "denseflow.propagation",
    "denseflow.optimizers",
    "denseflow.training",
    "denseflow.engines",
    "denseflow.caches",
    "denseflow._modelconfig",
    "denseflow._modelfit",
    "denseflow._modeltargets",
    "denseflow._gradcheckdiff",
    "denseflow._gradcheckreport",
    "denseflow._graphnode",
    "denseflow._graphexplain",
    "denseflow._graphexamples",
    "denseflow._graphfunctions",
    "denseflow.models",
    "denseflow.reproduce",
    "denseflow._validation",
    "denseflow.gradcheck",
    "denseflow.graph",
    "denseflow.fast",
    "denseflow.stacked",
    "denseflow.sklearn",
    "denseflow._npzfile",
    "denseflow._modelmeta",
    "denseflow._csvdata",
    "denseflow._cliutil",
    "denseflow.sweeps.space",
    "denseflow.sweeps.config",
    "denseflow.sweeps.stacking",
]


@pytest.mark.parametrize("name", CORE_MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def test_readme_python_blocks_run():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks
    for block in blocks:
        namespace = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README


def test_readme_starts_with_the_two_commands():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, flags=re.S).group(1).splitlines()
    assert first_block[0].startswith("pip install -e . && denseflow train")
    assert first_block[1].startswith('pip install -e ".[test]" && pytest')
