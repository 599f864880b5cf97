"""Networks built by hand (weights and biases as data), judged exactly by what they compute.

``numbers`` reads student numbers as exact rationals, ``architecture`` checks the layers against
the rubric's limits, ``forward`` evaluates, ``predicate`` reads the rubric's target condition,
``cases`` draws the inputs (random, on and near every boundary, ties, zeros, huge), ``piecewise``
finds the exact kinks of a one-input ReLU network, and ``regions`` draws two-input networks.
"""
