"""The package layout is a contract: layers, one import path per name, no satellites."""

import importlib
import inspect
import pkgutil
import shutil
import subprocess
from pathlib import Path

import pytest

import denseflow

PACKAGE_DIR = Path(denseflow.__file__).parent
ROOT = PACKAGE_DIR.parents[1]


def _modules():
    names = ["denseflow"]
    names += [m.name for m in pkgutil.walk_packages(denseflow.__path__, "denseflow.") if not m.name.endswith("__main__")]
    return names


def test_top_level_holds_at_most_15_entries():
    entries = [p.name for p in PACKAGE_DIR.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 15, sorted(entries)


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE_DIR.rglob("*.py") if p.name != "__init__.py"),
                         ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_no_module_is_a_satellite_named_after_its_parent(path):
    parent = path.parent.name
    stem = path.stem.lstrip("_")
    assert not stem.startswith(parent), f"{path.relative_to(PACKAGE_DIR)} repeats its package's name"
    if path.parent == PACKAGE_DIR:  # top level: a private module named after a public one
        siblings = {p.stem for p in PACKAGE_DIR.iterdir()}
        assert not any(path.stem.startswith("_") and stem.startswith(s) for s in siblings if s != path.stem)


@pytest.mark.parametrize("name", _modules())
def test_public_names_are_defined_in_the_package_that_lists_them(name):
    # One import path per public name: a name listed in __all__ is defined in that module, or, for
    # a package, in one of its own modules; never re-exported from another package.
    module = importlib.import_module(name)
    for attr in getattr(module, "__all__", []):
        obj = getattr(module, attr)
        if inspect.ismodule(obj):
            assert obj.__name__.startswith(name + "."), f"{name}.{attr}"
        elif inspect.isclass(obj) or inspect.isfunction(obj):
            home = obj.__module__
            inside = home == name or (hasattr(module, "__path__") and home.startswith(name + "."))
            assert inside, f"{name}.{attr} is defined in {home}"


def test_import_contracts_hold():
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
