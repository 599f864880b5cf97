"""The training harness: runs a student's ``train_epoch`` and ``evaluate`` on a model it builds.

Runs inside the sandbox (copied beside the runner; standard library, numpy and torch only). It
builds a small MLP with dropout (so that evaluating in train mode shows), wraps the optimizer and
puts a probe layer in the model to record, for each phase, whether forward ran in train mode and
with gradients enabled, how often ``step`` was called, and how often a backward pass added to
gradients nobody had cleared. Everything it
returns is plain data, and the grader re-checks what matters (accuracy, loss) itself from the
returned weights: the probes only explain *why* a loop went wrong.
"""

from __future__ import annotations

from typing import Any


def _build(spec: dict[str, Any], device: str) -> tuple[Any, Any]:
    import torch
    from torch import nn

    class Probe(nn.Module):
        """Passes its input through; notes the mode and grad state of every forward call."""

        def __init__(self) -> None:
            super().__init__()
            self.log: list[tuple[bool, bool]] = []

        def forward(self, x: Any) -> Any:
            self.log.append((self.training, torch.is_grad_enabled()))
            return x

    probe = Probe()
    model = nn.Sequential(
        nn.Linear(spec["features"], spec["hidden"]),
        nn.ReLU(),
        nn.Dropout(spec["dropout"]),
        probe,
        nn.Linear(spec["hidden"], spec["classes"]),
    ).to(device)
    return model, probe


class _CountingSGD:
    """torch.optim.SGD that counts its step() calls."""

    def __new__(cls, params: Any, lr: float) -> Any:
        import torch

        class Counting(torch.optim.SGD):
            steps = 0

            def step(self, closure: Any = None) -> Any:
                self.steps += 1
                return super().step(closure)

        return Counting(params, lr=lr)


class _LeakWatch:
    """Counts backward passes that add to a gradient left over from an earlier one.

    A hook on each parameter sees the incoming gradient before it is accumulated; if ``.grad``
    still holds non-zero values then, nothing (optimizer.zero_grad, model.zero_grad, setting
    ``.grad = None``) cleared it since the last backward.
    """

    def __init__(self, model: Any) -> None:
        self.leaks = 0
        for parameter in model.parameters():
            parameter.register_hook(self._hook_for(parameter))

    def _hook_for(self, parameter: Any) -> Any:
        def hook(grad: Any) -> None:
            if parameter.grad is not None and bool(parameter.grad.any()):
                self.leaks += 1

        return hook

    def take(self) -> int:
        leaks, self.leaks = self.leaks, 0
        return leaks


def _weights(model: Any) -> dict[str, Any]:
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in model.state_dict().items()}


def _plain(value: Any, depth: int = 0) -> Any:
    """A returned loss or (loss, accuracy) as floats; anything else as its type's name."""
    if isinstance(value, bool) or depth > 2:
        return type(value).__name__
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (tuple, list)) and len(value) <= 4:
        return [_plain(item, depth + 1) for item in value]
    numel = getattr(value, "numel", None)
    if callable(numel) and type(value).__module__.startswith(("torch", "numpy")) and numel() == 1:
        return float(value.item())
    return type(value).__name__


def _phase(probe: Any, optimizer: Any, watch: _LeakWatch, batches: int, value: Any) -> dict[str, Any]:
    log = probe.log
    probe.log = []
    return {
        "value": _plain(value),
        "forwards": len(log),
        "train_mode": sum(1 for training, _ in log if training),
        "grad_enabled": sum(1 for _, grad in log if grad),
        "steps": optimizer.steps,
        "leaks": watch.take(),
        "batches": batches,
    }


def run_training(module: Any, task: dict[str, Any], device: str, decode: Any) -> dict[str, Any]:
    """Train for the rubric's epochs with the student's loop, then evaluate once.

    ``decode`` turns the wire data into numpy arrays (the runner's). Any exception propagates to
    the runner, which reports it.
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = decode(task["data"])
    spec = task["model"]
    torch.manual_seed(task["seed"])
    model, probe = _build(spec, device)
    initial = _weights(model)
    watch = _LeakWatch(model)
    criterion = torch.nn.CrossEntropyLoss()

    def loader(x: Any, y: Any, shuffle: bool) -> Any:
        dataset = TensorDataset(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
        generator = torch.Generator().manual_seed(task["seed"])
        return DataLoader(dataset, batch_size=task["batch_size"], shuffle=shuffle, generator=generator)

    train = loader(data["train_x"], data["train_y"], True)
    test = loader(data["test_x"], data["test_y"], False)
    epochs = []
    for _ in range(task["epochs"]):
        optimizer = _CountingSGD(model.parameters(), lr=task["lr"])
        model.eval()  # a loop that forgets model.train() then trains with dropout off, visibly
        value = module.train_epoch(model, train, criterion, optimizer)
        epochs.append(_phase(probe, optimizer, watch, len(train), value))
    for parameter in model.parameters():
        parameter.grad = None
    before = _weights(model)
    optimizer = _CountingSGD(model.parameters(), lr=task["lr"])
    evaluated = module.evaluate(model, test, criterion)
    evaluation = _phase(probe, optimizer, watch, len(test), evaluated)
    evaluation["grads_left"] = sum(1 for p in model.parameters() if p.grad is not None and bool(p.grad.any()))
    evaluation["weights_changed"] = any(
        not (before[name] == now).all() for name, now in _weights(model).items()
    )
    return {"initial": initial, "trained": before, "epochs": epochs, "evaluation": evaluation}
