"""Data sets in the course's layout: X (n_x, m), one column per example, and Y (1, m).

==============  ==============================================================================
module          holds
==============  ==============================================================================
``planar``      :func:`planar_flower` (the course's flower, bit for bit), :func:`noisy_moons`,
                :func:`noisy_circles`, :func:`blobs`, :func:`gaussian_quantiles`;
                :data:`DATASETS` / :func:`load_dataset` by their command-line names,
                :func:`load_dataset_split` with a seeded held-out test part
``cat``         :func:`load_cat` / :func:`load_cat_images`: the cat-vs-non-cat HDF5 files of
                weeks 2 and 4; :func:`columns_to_images`
``csvfile``     :func:`load_csv` / :func:`load_features_csv`: your own table, one row per
                example; :func:`standardize`, :func:`standardization_stats`
``football``    :func:`load_football`: the second course's Regularization data (your CSV copy)
``common``      :func:`train_val_split` and what the sets share
==============  ==============================================================================

Import the public names from ``denseflow.datasets``. All labels are returned as float64 0.0/1.0
(the course uses uint8 for the flower and int64 for the cats; the models accept any of them, and
float64 avoids unsigned wrap-around in ``1 - Y``).

Only NumPy is imported here. h5py and scikit-learn are imported inside the functions that need
them, so ``import denseflow`` stays light. scikit-learn (the moons, circles, blobs and Gaussian
quantiles) comes with denseflow; h5py (the cat files) with ``pip install "denseflow[data]"``.

Examples
--------
>>> from denseflow.datasets import planar_flower
>>> X, Y = planar_flower()
>>> X.shape, Y.shape
((2, 400), (1, 400))
"""

from denseflow.datasets.cat import (
    CatData,
    CatImages,
    columns_to_images,
    load_cat,
    load_cat_images,
)
from denseflow.datasets.common import train_val_split
from denseflow.datasets.csvfile import (
    CsvData,
    load_csv,
    load_features_csv,
    standardization_stats,
    standardize,
)
from denseflow.datasets.football import FootballData, load_football
from denseflow.datasets.planar import (
    DATASETS,
    HELD_OUT_SEED,
    blobs,
    gaussian_quantiles,
    load_dataset,
    load_dataset_split,
    noisy_circles,
    noisy_moons,
    planar_flower,
)

__all__ = [
    "planar_flower",
    "noisy_moons",
    "noisy_circles",
    "blobs",
    "gaussian_quantiles",
    "DATASETS",
    "HELD_OUT_SEED",
    "load_dataset",
    "load_dataset_split",
    "CatData",
    "CatImages",
    "load_cat",
    "load_cat_images",
    "columns_to_images",
    "CsvData",
    "load_csv",
    "load_features_csv",
    "standardization_stats",
    "standardize",
    "FootballData",
    "load_football",
    "train_val_split",
]
