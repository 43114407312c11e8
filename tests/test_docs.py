"""The docstrings' examples and the README's Python examples run and say what they claim."""

import doctest
import importlib
import re
from pathlib import Path

import pytest


def _all_modules():
    import pkgutil

    import denseflow

    names = ["denseflow"]
    for info in pkgutil.walk_packages(denseflow.__path__, "denseflow."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


ALL_MODULES = _all_modules()

# The course's arithmetic and every package's front page must show at least one runnable example.
MUST_HAVE_EXAMPLES = [
    "denseflow",
    "denseflow.core.activations",
    "denseflow.core.caches",
    "denseflow.core.initializers",
    "denseflow.core.losses",
    "denseflow.core.optimizers",
    "denseflow.core.propagation",
    "denseflow.core.validation",
    "denseflow.datasets",
    "denseflow.gradcheck",
    "denseflow.graph",
    "denseflow.models",
    "denseflow.training",
]


@pytest.mark.parametrize("name", ALL_MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
    if name in MUST_HAVE_EXAMPLES:
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
