"""The safe parser: every documented spelling reads as the same tree; bad input gets a clear message."""

from __future__ import annotations

import pytest

from autograder.kinds.expression import NotationError, SymbolInfo, Vocabulary, key_of, parse
from autograder.kinds.expression.nodes import Call, Compare, Deriv, Mul, Sym, Transpose

NAMES = ["x", "w_1", "f'_3", "W", "v", "u", "h^a", "z"]
VOCABULARY = Vocabulary(
    symbols={key_of(name): SymbolInfo(name) for name in NAMES} | {"dL/dh3": SymbolInfo("dL/dh3")},
    nodes={"L": "L", "h3": "h_3", "h1": "h_1"},
    functions={"Theta": "heaviside"},
)


def tree(text: str) -> object:
    sides = parse(text, VOCABULARY).sides
    assert len(sides) == 1
    return sides[0]


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [
        (["w_1", "w1", "w_{1}", "w^{(1)}", r"\mathbf{w}_1"], Sym("w1")),
        (["f'_3", "f_3'", "f3'", "f'_{3}", "f₃'"], Sym("f3'")),
        (["h^a", "h^{a}", r"\mathbf{h}^a"], Sym("ha")),
        (
            ["dL/dh3", "∂L/∂h3", "∂L/∂h_3", r"\frac{\partial L}{\partial h_3}", r"\frac{dL}{dh_{3}}", r"\partial L / \partial h_3"],
            Deriv("L", "h3"),
        ),
        (["dh3/dh1", r"\frac{\partial h_3}{\partial h_1}"], Deriv("h3", "h1")),
        (["W^T", r"W^\top", "W.T", "Wᵀ", "W^{T}", r"W^{\top}"], Transpose(Sym("W"))),
        (["v ⊙ u", r"v \odot u", "v ∘ u"], Mul(Sym("v"), Sym("u"), "hadamard")),
        (["v ⊗ u", r"v \otimes u"], Mul(Sym("v"), Sym("u"), "outer")),
        (["x w1", "x*w1", r"x \cdot w_1", r"x \times w_1", "x·w1", "xw1"], Mul(Sym("x"), Sym("w1"))),
        (["sigma(x)", "σ(x)", r"\sigma(x)", r"\sigma\left(x\right)", "sigmoid(x)", r"\sigma x"], Call("sigma", (Sym("x"),))),
        (["sigma'(x)", "σ'(x)", r"\sigma'(x)"], Call("sigma'", (Sym("x"),))),
        (["ReLU(x)", "relu(x)", r"\text{ReLU}(x)", r"\operatorname{ReLU}(x)"], Call("relu", (Sym("x"),))),
        (["Theta(x)", r"\Theta(x)", "Θ(x)", "heaviside(x)"], Call("heaviside", (Sym("x"),))),
        (["e^{x}", "exp(x)", r"\exp(x)", "e^x"], Call("exp", (Sym("x"),))),
    ],
)
def test_spellings_read_the_same(spellings: list[str], expected: object) -> None:
    for text in spellings:
        assert tree(text) == expected, text


def test_indicators_and_iverson_brackets() -> None:
    for text in ["1_{x>0}", "1[x > 0]", r"\mathbf{1}_{x > 0}", "[x>0]", "indicator(x > 0)"]:
        assert tree(text) in (Compare(">", Sym("x"), tree("0")), Call("indicator", (Compare(">", Sym("x"), tree("0")),))), text


def test_leibniz_atoms_never_cancel() -> None:
    """dL/dh3 * dh3/dh1 is a product of two atoms, not L/h1."""
    node = tree("dL/dh3 dh3/dh1")
    assert node == Mul(Deriv("L", "h3"), Deriv("h3", "h1"))


def test_equations_have_sides() -> None:
    assert len(parse("dL/dh3 = x = w1", VOCABULARY).sides) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("y + 1", "unknown name 'y'; this question uses: x, w_1, f'_3, W, v, u, h^a, z, dL/dh3"),
        ("∂L/∂q", "'q' is not a quantity of this question"),
        ("sigma(x", "expected ')' to close the arguments of sigma"),
        ("x +", "expected a number, a name or '(', found 'the end'"),
        (r"\sum_i x", "sums over indices (Σ) are not read here"),
        ("max(x)", "max takes 2 arguments, got 1"),
        ("sigma(x > 0)", "a comparison can only stand in an indicator"),
        ("x # y", "cannot read the character '#'"),
        ("", "the answer is empty"),
        ("L", "'L' is a quantity of the graph, not a value"),
    ],
)
def test_bad_input_gets_a_student_message(text: str, message: str) -> None:
    with pytest.raises(NotationError) as raised:
        parse(text, VOCABULARY)
    assert message in str(raised.value)
