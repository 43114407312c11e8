"""Model files and checkpoints: ``.npz`` arrays plus JSON metadata, never pickle; atomic writes.

==============  ==============================================================================
module          holds
==============  ==============================================================================
``modelfile``   ``save`` / ``load`` (public as :func:`denseflow.save` / :func:`denseflow.load`),
                :func:`save_checkpoint` / :func:`load_checkpoint`, :class:`CheckpointWriter`
``npz``         the file format: stored members checked before reading, SHA-256 digests,
                HMAC signatures (``$DENSEFLOW_MODEL_KEY``), :func:`atomic_write`,
                :func:`write_json`, :class:`ModelFileError`
``metadata``    the consistency checks of a file's metadata on load
``history``     the cost history in files: exact arrays, and the append-only log of checkpoints
==============  ==============================================================================
"""

from denseflow.io.modelfile import CheckpointFile, CheckpointWriter, load_checkpoint, save_checkpoint
from denseflow.io.npz import FORMAT_VERSION, MODEL_KEY_ENV, ModelFileError, atomic_write, write_json

__all__ = [
    "FORMAT_VERSION",
    "MODEL_KEY_ENV",
    "ModelFileError",
    "CheckpointFile",
    "CheckpointWriter",
    "save_checkpoint",
    "load_checkpoint",
    "atomic_write",
    "write_json",
]
