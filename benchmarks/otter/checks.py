"""What the Otter-Grader tests of the mlp-backprop comparison check, written as Otter users do:
plain asserts against torch autograd, run in the same process as the student's code.

``benchmarks/otter_comparison.py`` prepends this file to each generated Otter test file (an Otter
test file cannot import a helper of its own: support files land beside the submission, where a
second ``.py`` makes ``otter run`` refuse it). The cases mirror ``rubrics/mlp-backprop.yaml``.
"""

import torch
import torch.nn.functional as F

_ACTIVATIONS = {"identity": lambda z: z, "sigmoid": torch.sigmoid}


def _activation(name, relu_grad_at_0):
    if name == "relu":  # both conventions at the kink are accepted, as in the rubric
        return (lambda z: torch.where(z >= 0, z, 0 * z)) if relu_grad_at_0 else (lambda z: torch.where(z > 0, z, 0 * z))
    return _ACTIVATIONS[name]


def _draw(generator, shape, values, dtype):
    if values == "integers":
        return torch.randint(-3, 4, shape, generator=generator).to(dtype)
    if values == "binary":
        return torch.randint(0, 2, shape, generator=generator).to(dtype)
    if values == "probabilities":
        return (0.05 + 0.9 * torch.rand(shape, generator=generator)).to(dtype)
    return torch.randn(shape, generator=generator).to(dtype)


def _close(actual, expected, what):
    assert isinstance(actual, torch.Tensor), f"{what}: expected a tensor, got {type(actual).__name__}"
    assert actual.shape == expected.shape, f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    scale = float(expected.double().abs().max()) if expected.numel() else 1.0
    assert torch.allclose(actual.detach().double(), expected.double(), rtol=1e-4, atol=1e-5 * max(scale, 1.0)), \
        f"{what}: wrong values"


def _network(MLP, sizes, f, g, values, dtype, generator):
    batch, n_in, hidden, n_out = sizes
    params = {
        "W1": _draw(generator, (hidden, n_in), values, dtype), "b1": _draw(generator, (hidden,), values, dtype),
        "W2": _draw(generator, (n_out, hidden), values, dtype), "b2": _draw(generator, (n_out,), values, dtype),
    }
    net = MLP(n_in, hidden, f, hidden, n_out, g)
    for key, value in params.items():
        net.parameters[key] = value.clone()
    return net, params


def _autograd(params, x, f, g, dJdy_hat, relu_grad_at_0):
    w1, c1, w2, c2 = (params[k].double().clone().requires_grad_() for k in ("W1", "b1", "W2", "b2"))
    y_hat = _activation(g, relu_grad_at_0)(F.linear(_activation(f, relu_grad_at_0)(F.linear(x.double(), w1, c1)), w2, c2))
    if dJdy_hat is None:
        return {"y_hat": y_hat.detach()}
    y_hat.backward(dJdy_hat.double())
    return {"dJdW1": w1.grad, "dJdb1": c1.grad, "dJdW2": w2.grad, "dJdb2": c2.grad}


def _either_convention(check):
    errors = []
    for relu_grad_at_0 in (0, 1):
        try:
            return check(relu_grad_at_0)
        except AssertionError as error:
            errors.append(error)
    raise errors[0]


def check_forward(MLP, seed, sizes, f, g, values="normal", dtype=torch.float32):
    """MLP.forward on one case equals the autograd network's output."""
    generator = torch.Generator().manual_seed(seed)
    net, params = _network(MLP, sizes, f, g, values, dtype, generator)
    x = _draw(generator, (sizes[0], sizes[1]), values, dtype)
    y_hat = net.forward(x)
    _either_convention(lambda convention: _close(y_hat, _autograd(params, x, f, g, None, convention)["y_hat"], "y_hat"))


def check_backward(MLP, seed, sizes, f, g, values="normal", dtype=torch.float32):
    """Two rounds of clear, forward, backward on one net: every gradient right, x left alone."""
    generator = torch.Generator().manual_seed(seed)
    net, params = _network(MLP, sizes, f, g, values, dtype, generator)
    for _ in range(2):
        x = _draw(generator, (sizes[0], sizes[1]), values, dtype)
        dJdy_hat = _draw(generator, (sizes[0], sizes[3]), values, dtype)
        x_before = x.clone()
        net.clear_grad_and_cache()
        net.forward(x)
        net.backward(dJdy_hat)
        assert torch.equal(x, x_before), "backward changed its input x"

        def compare(convention):
            for name, expected in _autograd(params, x, f, g, dJdy_hat, convention).items():
                _close(net.grads[name], expected, name)
        _either_convention(compare)


def check_loss(loss_function, reference, seed, sizes, y_values, y_hat_values, dtype=torch.float32):
    """A loss function returns torch's loss (the mean) and its gradient, inputs left alone."""
    generator = torch.Generator().manual_seed(seed)
    y = _draw(generator, sizes, y_values, dtype)
    y_hat = _draw(generator, sizes, y_hat_values, dtype)
    y_before, y_hat_before = y.clone(), y_hat.clone()
    J, dJdy_hat = loss_function(y, y_hat)
    assert torch.equal(y, y_before) and torch.equal(y_hat, y_hat_before), "the loss changed its inputs"
    leaf = y_hat.double().clone().requires_grad_()
    expected = reference(leaf, y.double())
    expected.backward()
    _close(torch.as_tensor(J), expected.detach(), "J")
    _close(dJdy_hat, leaf.grad, "dJdy_hat")
