"""Reference for the hostile suite. HOSTILE-REFERENCE-SECRET-c3d9"""


def scale(x):
    return 3 * x
