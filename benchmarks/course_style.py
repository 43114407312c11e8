"""The course-style NumPy baseline: the week-4 assignment's code, as every learner writes it.

A dict of parameters, a list of caches, a new array for every operation, dA computed for every
layer (dA[0] included), the cost from AL with logs. This is what ``benchmarks/bench.py`` calls the
"course-style NumPy" implementation; it is deliberately not optimized.
"""

from __future__ import annotations

import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def tanh(Z):
    return np.tanh(Z), Z


def linear_forward(A, W, b):
    Z = W.dot(A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh}[activation](Z)
    return A, (linear_cache, (activation_cache, A))


def L_model_forward(X, parameters, hidden="relu"):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], hidden)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (1.0 / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    return float(np.squeeze(cost))


def relu_backward(dA, cache):
    Z, _ = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def tanh_backward(dA, cache):
    _, A = cache
    return dA * (1 - np.power(A, 2))


def sigmoid_backward(dA, cache):
    Z, _ = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * np.dot(dZ, A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = {"sigmoid": sigmoid_backward, "relu": relu_backward, "tanh": tanh_backward}[activation]
    return linear_backward(backward(dA, activation_cache), linear_cache)


def L_model_backward(AL, Y, caches, hidden="relu"):
    grads = {}
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid"
    )
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], hidden)
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    return parameters


def train(parameters, X, Y, learning_rate, num_iterations, hidden="relu"):
    """The assignment's loop; returns (parameters, last cost)."""
    parameters = dict(parameters)
    cost = None
    for _ in range(num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden)
        cost = compute_cost(AL, Y)
        grads = L_model_backward(AL, Y, caches, hidden)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, cost
