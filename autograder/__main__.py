"""``python -m autograder`` is the same as the ``autograder`` command."""

from autograder.entry import main

main()
