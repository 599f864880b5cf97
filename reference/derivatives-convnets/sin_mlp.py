"""Q2: gradients of the loss of the sin-activation MLP with a softmax output, for one example."""
import torch


def sin_mlp_gradients(x, y, W1, b1, W2, b2):
    h_a = W1 @ x + b1
    h_s = torch.sin(h_a)
    o_a = W2 @ h_s + b2
    o_s = torch.softmax(o_a, dim=0)
    loss = -torch.log(o_s[y])
    dL_do_a = o_s.clone()
    dL_do_a[y] -= 1                               # (g): o^s − onehot(y)
    dL_dh_s = W2.T @ dL_do_a                      # (k)
    dL_dh_a = dL_dh_s * torch.cos(h_a)            # (m)
    return loss, {
        "W2": torch.outer(dL_do_a, h_s), "b2": dL_do_a,   # (i)
        "W1": torch.outer(dL_dh_a, x), "b1": dL_dh_a,     # (o)
    }
