"""``python -m denseflow``: the same as the ``denseflow`` command."""

from denseflow.cli.app import main

if __name__ == "__main__":
    raise SystemExit(main())
