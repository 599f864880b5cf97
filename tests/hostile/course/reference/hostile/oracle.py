"""The oracle of the hostile suite's course. HOSTILE-ORACLE-SECRET-8e21"""


def scale(x):
    return {"y": 3 * x}


def square(x):
    return {"y": x * x}
