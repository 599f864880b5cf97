import torch

_ACTIVATIONS = {
    "relu": (torch.relu, lambda z, a: (z > 0).to(z.dtype)),
    "sigmoid": (torch.sigmoid, lambda z, a: a * (1 - a)),
    "identity": (lambda z: z, lambda z, a: torch.ones_like(z)),
}

class MLP:
    def __init__(
        self,
        linear_1_in_features,
        linear_1_out_features,
        f_function,
        linear_2_in_features,
        linear_2_out_features,
        g_function
    ):
        """
        Args:
            linear_1_in_features: the in features of first linear layer
            linear_1_out_features: the out features of first linear layer
            linear_2_in_features: the in features of second linear layer
            linear_2_out_features: the out features of second linear layer
            f_function: string for the f function: relu | sigmoid | identity
            g_function: string for the g function: relu | sigmoid | identity
        """
        self.f_function = f_function
        self.g_function = g_function

        self.parameters = dict(
            W1 = torch.randn(linear_1_out_features, linear_1_in_features),
            b1 = torch.randn(linear_1_out_features),
            W2 = torch.randn(linear_2_out_features, linear_2_in_features),
            b2 = torch.randn(linear_2_out_features),
        )
        self.grads = dict(
            dJdW1 = torch.zeros(linear_1_out_features, linear_1_in_features),
            dJdb1 = torch.zeros(linear_1_out_features),
            dJdW2 = torch.zeros(linear_2_out_features, linear_2_in_features),
            dJdb2 = torch.zeros(linear_2_out_features),
        )

        # put all the cache value you need in self.cache
        self.cache = dict()

    def forward(self, x):
        """
        Args:
            x: tensor shape (batch_size, linear_1_in_features)
        """
        f, _ = _ACTIVATIONS[self.f_function]
        g, _ = _ACTIVATIONS[self.g_function]
        z1 = x @ self.parameters['W1'].T + self.parameters['b1']
        z2 = f(z1)
        z3 = z2 @ self.parameters['W2'].T + self.parameters['b2']
        y_hat = g(z3)
        self.cache.update(x=x, z1=z1, z2=z2, z3=z3, y_hat=y_hat)
        return y_hat

    def backward(self, dJdy_hat):
        """
        Args:
            dJdy_hat: The gradient tensor of shape (batch_size, linear_2_out_features)
        """
        _, df = _ACTIVATIONS[self.f_function]
        _, dg = _ACTIVATIONS[self.g_function]
        c = self.cache
        dJdz3 = dJdy_hat * dg(c['z3'], c['y_hat'])
        self.grads['dJdW2'] = dJdz3.T @ c['z2']
        self.grads['dJdb2'] = dJdz3.sum(dim=0)
        dJdz1 = (dJdz3 @ self.parameters['W2']) * df(c['z1'], c['z2'])
        self.grads['dJdW1'] = dJdz1.T @ c['x']
        self.grads['dJdb1'] = dJdz1.sum(dim=0)


    def clear_grad_and_cache(self):
        for grad in self.grads:
            self.grads[grad].zero_()
        self.cache = dict()

def mse_loss(y, y_hat):
    """
    Args:
        y: the label tensor (batch_size, linear_2_out_features)
        y_hat: the prediction tensor (batch_size, linear_2_out_features)

    Return:
        J: scalar of loss
        dJdy_hat: The gradient tensor of shape (batch_size, linear_2_out_features)
    """
    diff = y_hat - y
    loss = (diff ** 2).mean()
    dJdy_hat = 2 * diff / diff.numel()
    return loss, dJdy_hat

def bce_loss(y, y_hat):
    """
    Args:
        y_hat: the prediction tensor
        y: the label tensor

    Return:
        loss: scalar of loss
        dJdy_hat: The gradient tensor of shape (batch_size, linear_2_out_features)
    """
    loss = -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).mean()
    dJdy_hat = (y_hat - y) / (y_hat * (1 - y_hat)) / y.numel()
    return loss, dJdy_hat
