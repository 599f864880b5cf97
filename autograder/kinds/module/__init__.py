"""The machinery behind the ``module`` kind: the rubric's statements, drawn inputs, the autograd
oracle, and the comparison that diagnoses hand-written backward passes."""
