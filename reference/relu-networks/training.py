"""Q11: train_epoch and evaluate."""
import torch


def train_epoch(model, loader, criterion, optimizer):
    """One pass over the training data. Returns the mean training loss over the examples."""
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, criterion):
    """Returns (mean loss, accuracy) over the data, without changing the model."""
    total, correct, count = 0.0, 0, 0
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total += criterion(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total / count, correct / count
