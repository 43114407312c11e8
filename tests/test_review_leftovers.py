"""Review leftovers: what the messages of training say (epochs vs iterations, resuming a cosine
schedule), non-finite validation costs under early stopping, the type of ``test_fraction``, one
normalizer of schedule names, and the fitted attributes documented where the code sets them."""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from denseflow.core.initializers import initialize_parameters
from denseflow.core.schedules import SCHEDULES, cosine, schedule_name
from denseflow.datasets import load_dataset_split, noisy_moons
from denseflow.models import DeepNetwork, Network
from denseflow.training import History, TrainingDivergedError, train
from denseflow.training.loop import _Best, _cosine_horizon

SRC = Path(__file__).resolve().parents[1] / "src" / "denseflow"
MOONS = noisy_moons(m=120, noise=0.2, seed=3)


def _regression():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 64)), rng.normal(size=(1, 64)), initialize_parameters([3, 4, 1], "he", seed=1)


# ---------------------------------------------------------------------- 1. epochs are called epochs


@pytest.mark.parametrize("kwargs, unit, at", [
    (dict(num_iterations=200), "iteration", 7),                  # full batch: updates
    (dict(num_epochs=200), "iteration", 7),                      # full batch: an update an epoch, as History says
    (dict(batch_size=16, num_epochs=200), "epoch", 1),           # mini-batches
    (dict(batch_size=16, num_iterations=200), "epoch", 1),       # mini-batches count epochs
])
def test_a_diverged_run_names_the_unit_it_counts(kwargs, unit, at):
    X, Y, params = _regression()
    with warnings.catch_warnings(), pytest.raises(TrainingDivergedError) as info:
        warnings.simplefilter("ignore")
        train(params, X, Y, hidden_activation="identity", output_activation="identity", learning_rate=2.0, seed=0,
              **kwargs)
    err = info.value
    assert (err.unit, err.iteration) == (unit, at)
    assert err.result.history.unit == unit  # one word for what the run counts
    other = "iteration" if unit == "epoch" else "epoch"
    message = str(err)
    assert f"at {unit} {at} (learning_rate=2)" in message
    assert message.endswith(f"whose cost was finite ({unit} {at - 1}).")
    assert other not in message


def test_the_diverged_error_keeps_its_iteration_attribute_and_checks_its_unit():
    err = TrainingDivergedError(4, math.inf, 0.1)
    assert (err.iteration, err.unit, err.learning_rate) == (4, "iteration", 0.1)
    assert "at iteration 4 (learning_rate=0.1)" in str(err) and "(iteration 3)" in str(err)
    with pytest.raises(ValueError, match=re.escape("The 'unit' parameter of TrainingDivergedError must be one of "
                                                   "{'epoch', 'iteration'}. Got 'epochs' instead.")):
        TrainingDivergedError(4, math.inf, unit="epochs")


def _checkpoint_at(done, **kwargs):
    saved = {}

    def keep(event):
        if event.completed == done:
            saved["checkpoint"] = event.checkpoint()

    X, Y = MOONS
    model = DeepNetwork([2, 6, 1], callback=keep, seed=0, learning_rate=0.05, **kwargs)
    model.fit(X, Y)
    return saved["checkpoint"]


@pytest.mark.parametrize("length, kwargs, unit", [
    ("num_epochs", dict(optimizer="adam", batch_size=32), "epoch"),
    ("num_epochs", dict(), "iteration"),
    ("num_iterations", dict(), "iteration"),
    ("num_iterations", dict(optimizer="adam", batch_size=32), "epoch"),
])
def test_resuming_beyond_the_run_length_names_the_parameter_set_and_its_fix_works(length, kwargs, unit):
    X, Y = MOONS
    checkpoint = _checkpoint_at(9, **{length: 10}, **kwargs)
    with pytest.raises(ValueError) as info:
        DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, **{length: 5}, **kwargs).fit(X, Y, resume_from=checkpoint)
    assert str(info.value) == (f"The checkpoint is at {unit} 9, beyond {length}=5: set {length} to more than 9 "
                               f"to train it further from the checkpoint.")
    resumed = DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, **{length: 12}, **kwargs)
    resumed.fit(X, Y, resume_from=checkpoint)
    assert resumed.n_epochs_ == 12 and resumed.history_.iterations[-1] == 11


# ---------------------------------------------------------------------- 2. resuming a cosine schedule

COSINE = dict(optimizer="adam", batch_size=32, learning_rate_schedule="cosine")


def test_a_finished_cosine_run_is_said_to_be_unextendable_with_what_to_do_instead():
    X, Y = MOONS
    finished = _checkpoint_at(10, num_epochs=10, **COSINE)
    with pytest.raises(ValueError) as info:
        DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, num_epochs=20, **COSINE).fit(X, Y, resume_from=finished)
    message = str(info.value)
    assert message.startswith("The checkpoint is at epoch 10, where its cosine schedule over num_epochs=10 has "
                              "ended (α decays to its minimum over 10 epochs), and a cosine run cannot be extended")
    assert "α was 0.0487764 at epoch 1; over num_epochs=20 it would be 0.0496922" in message
    assert "start a new run with a larger num_epochs" in message
    # The advice works: a new run over 20 epochs, warm-started from the trained parameters.
    fresh = DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, num_epochs=20, **COSINE)
    fresh.fit(X, Y, initial_parameters=finished.parameters)
    assert fresh.n_epochs_ == 20 and fresh.history_.learning_rates[0] == 0.05


def test_an_unfinished_cosine_run_is_told_its_own_horizon():
    X, Y = MOONS
    middle = _checkpoint_at(4, num_epochs=10, **COSINE)
    with pytest.raises(ValueError) as info:
        DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, num_epochs=20, **COSINE).fit(X, Y, resume_from=middle)
    message = str(info.value)
    assert "cosine schedule over another number of epochs" in message
    assert "can only be resumed with num_epochs=10 and the same learning_rate, and cannot be extended" in message
    resumed = DeepNetwork([2, 6, 1], seed=0, learning_rate=0.05, num_epochs=10, **COSINE)
    resumed.fit(X, Y, resume_from=middle)
    assert resumed.n_epochs_ == 10


@pytest.mark.parametrize("T", [2, 7, 10, 333])
@pytest.mark.parametrize("course", [False, True])
@pytest.mark.parametrize("a_min", [0.0, 0.001])
def test_the_cosine_horizon_is_read_back_from_the_recorded_rates(T, course, a_min):
    laid = cosine(0.05, T, a_min)
    epochs = list(range(min(T + 3, 40)))
    rates = [laid(max(e - 1, 0) if course else e) for e in epochs]
    history = History(epochs, [1.0] * len(epochs), learning_rates=rates)
    now = cosine(0.05, 5 * T, a_min)
    assert _cosine_horizon(now, history, course) == T
    # Another α₀, or only α₀ and α_min recorded: the rates do not tell.
    assert _cosine_horizon(cosine(0.07, T, a_min), history, course) is None
    assert _cosine_horizon(now, History([0], [1.0], learning_rates=[0.05]), course) is None


# ---------------------------------------------------------------------- 3. a NaN validation cost is never the best


def _best(patience=3, history=None, start=0):
    return _Best(1e-4, patience, True, start, history or History(), None)


def test_a_nan_first_validation_cost_does_not_block_later_improvements():
    best = _best()
    theta = {"W1": np.zeros((1, 1))}
    assert best.update(0, math.nan, theta, True) is False
    assert (best.epoch, best.cost, best.parameters) == (None, None, None)
    assert best.update(1, math.inf, theta, True) is False
    assert best.update(2, 0.7, {"W1": np.ones((1, 1))}, True) is False
    assert best.update(3, 0.5, {"W1": np.full((1, 1), 3.0)}, True) is False
    assert (best.epoch, best.cost, best.parameters["W1"][0, 0]) == (3, 0.5, 3.0)
    assert best.update(4, math.nan, theta, True) is False and best.epoch == 3
    assert [best.update(e, 0.6, theta, True) for e in (5, 6)] == [False, True]  # patience 3 after epoch 3


def test_no_finite_validation_cost_keeps_no_best_and_stops_after_patience():
    best = _best(patience=3)
    theta = {"W1": np.zeros((1, 1))}
    assert [best.update(e, math.nan, theta, True) for e in range(4)] == [False, False, False, True]
    assert (best.epoch, best.cost, best.parameters, best.stopped) == (None, None, None, True)


def test_a_resumed_best_skips_the_non_finite_records():
    history = History([0, 1, 2, 3], [1.0] * 4, val_costs=[math.nan, 0.9, math.inf, 0.8])
    best = _best(history=history, start=3)
    assert (best.epoch, best.cost, best.first) == (1, 0.9, 0)


def test_training_with_only_non_finite_validation_costs_restores_nothing():
    X, Y = MOONS
    X_val = X[:, :20].copy()
    X_val[0, 0] = np.nan  # every validation cost is NaN
    params = initialize_parameters([2, 5, 1], "he", seed=0)
    kw = dict(hidden_activation="tanh", learning_rate=0.1, optimizer="adam", batch_size=40, seed=1)
    result = train(params, X, Y, X_val=X_val, Y_val=Y[:, :20], num_epochs=50, early_stopping=True, patience=3,
                   **kw)
    assert (result.best_epoch, result.best_val_cost, result.stopped_early, result.n_epochs) == (None, None, True, 4)
    plain = train(params, X, Y, num_epochs=4, **kw)
    for key in plain.parameters:  # the last epoch's parameters, not those of a NaN epoch
        np.testing.assert_array_equal(result.parameters[key], plain.parameters[key])


# ---------------------------------------------------------------------- 4. test_fraction's type


@pytest.mark.parametrize("bad", ["0.2", None, True, np.bool_(False), [0.2]])
def test_a_test_fraction_that_is_not_a_number_is_a_type_error(bad):
    with pytest.raises(TypeError) as info:
        load_dataset_split("moons", bad)
    assert str(info.value) == (f"The 'test_fraction' parameter of load_dataset_split must be a number in [0, 1). "
                               f"Got {bad!r} instead. Pass a float such as test_fraction=0.2, or 0 for no test part.")


@pytest.mark.parametrize("bad", [1.0, -0.1, math.nan])
def test_a_test_fraction_outside_its_interval_is_a_value_error(bad):
    with pytest.raises(ValueError, match=re.escape(f"must be a number in [0, 1). Got {bad!r} instead. Pass a float")):
        load_dataset_split("moons", bad)


@pytest.mark.parametrize("fraction, m_test", [(0, 0), (0.25, 50), (np.float32(0.1), 20)])
def test_numeric_test_fractions_still_split(fraction, m_test):
    X, Y, X_test, Y_test = load_dataset_split("moons", fraction)
    assert X.shape[1] == 200 - m_test and (X_test is None if m_test == 0 else X_test.shape[1] == m_test)


# ---------------------------------------------------------------------- 5. one normalizer of schedule names


@pytest.mark.parametrize("name, key", [(n, n) for n in SCHEDULES] + [("inverse_time", "inverse-time")])
def test_schedule_name_returns_the_registry_key_in_either_spelling(name, key):
    assert schedule_name(name) == key
    assert schedule_name(name, underscore=True) == key.replace("-", "_")


@pytest.mark.parametrize("bad", ["linear", "Inverse-Time", "", None, 3])
def test_schedule_name_rejects_unknown_names_in_scikit_learn_words(bad):
    with pytest.raises(ValueError) as info:
        schedule_name(bad, "learning_rate_schedule", "DeepNetwork")
    assert str(info.value) == ("The 'learning_rate_schedule' parameter of DeepNetwork must be one of {'constant', "
                               f"'cosine', 'exponential', 'inverse_time', 'step'}}. Got {bad!r} instead.")


def test_every_entry_point_accepts_both_spellings_the_same_way():
    from denseflow.sweeps.space import HYPERPARAMETERS, check_value

    X, Y = MOONS
    kw = dict(optimizer="adam", batch_size=40, num_epochs=4, seed=0, decay_rate=0.5)
    rates = []
    for name in ("inverse_time", "inverse-time"):
        model = DeepNetwork([2, 3, 1], learning_rate_schedule=name, **kw)
        model.fit(X, Y)
        rates.append(model.history_.learning_rates)
        assert check_value("learning_rate_schedule", name) == "inverse_time"
    assert rates[0] == rates[1] == [1 / (1 + 0.5 * t) * 0.0075 for t in range(4)]  # update_lr's arithmetic
    assert HYPERPARAMETERS["learning_rate_schedule"].names == tuple(schedule_name(n, underscore=True)
                                                                      for n in SCHEDULES)
    with pytest.raises(ValueError, match=re.escape("The 'learning_rate_schedule' parameter of train must be one of "
                                                   "{'constant', 'cosine', 'exponential', 'inverse_time', 'step'}")):
        train(initialize_parameters([2, 3, 1], "he", 0), X, Y, learning_rate_schedule="linear", num_epochs=2)


@pytest.mark.parametrize("module", ["training/loop.py", "models/config.py", "cli/specs.py", "cli/sweep.py",
                                    "sweeps/space.py"])
def test_no_module_maps_the_schedule_spellings_by_hand(module):
    code = (SRC / module).read_text()
    by_hand = [r'== "inverse_time"', r'"inverse_time": "inverse-time"', r'replace\("_", "-"\)',
               r'n\.replace\("-", "_"\) for n in SCHEDULES', r'"inverse-time" if']
    assert [pattern for pattern in by_hand if re.search(pattern, code)] == []


# ---------------------------------------------------------------------- 6. the fitted attributes are documented


def _documented_attributes():
    doc = Network.__doc__
    section = doc.split("Attributes\n    ----------\n", 1)[1]
    names = set()
    for line in section.splitlines():
        head = re.match(r"^    (\w+_(?:, \w+_)*) : ", line)
        if head:
            names.update(head[1].split(", "))
    return names


def _assigned_attributes():
    networks = (SRC / "models" / "networks.py").read_text()
    fitting = (SRC / "models" / "fitting.py").read_text()
    assigned = set(re.findall(r"self\.(\w+_) = ", networks))
    # fitting.py builds the attributes as a dict that Network._set_fitted assigns with setattr.
    assigned |= set(re.findall(r'attributes\["(\w+_)"\]', fitting))
    assigned |= set(re.findall(r'^\s+"(\w+_)": ', fitting, flags=re.M))
    return assigned


def test_every_fitted_attribute_the_code_sets_is_documented():
    assigned = _assigned_attributes()
    assert {"parameters_", "history_", "n_epochs_", "rng_state_", "layer_dims_", "target_std_"} <= assigned
    assert assigned - _documented_attributes() == set()


@pytest.mark.parametrize("kwargs", [dict(), dict(optimizer="adam", batch_size=32, num_epochs=3, early_stopping=True)])
def test_a_fitted_model_has_exactly_the_documented_attributes(kwargs):
    X, Y = MOONS
    model = DeepNetwork([2, 3, 1], num_iterations=5, seed=0, **kwargs)
    model.fit(X, Y)
    fitted = {k for k in vars(model) if k.endswith("_") and not k.startswith("_")}
    assert fitted == _documented_attributes()
