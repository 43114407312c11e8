"""Model files and checkpoints: ``.npz`` arrays plus JSON metadata, never pickle; atomic writes.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``modelfile``   ``save`` / ``load`` (public as :func:`denseflow.save` / :func:`denseflow.load`),
                :func:`save_checkpoint` / :func:`load_checkpoint`
``npz``         the file format: stored members, SHA-256 digests, :func:`atomic_write`,
                :func:`write_json`, :class:`ModelFileError`
``metadata``    the consistency checks of a file's metadata on load
==============  ==============================================================================
"""

from denseflow.io.modelfile import CheckpointFile, load_checkpoint, save_checkpoint
from denseflow.io.npz import FORMAT_VERSION, ModelFileError, atomic_write, write_json

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "CheckpointFile",
    "save_checkpoint",
    "load_checkpoint",
    "atomic_write",
    "write_json",
]
