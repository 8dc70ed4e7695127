"""Stage 3 of a class: autograding.

nbgrader runs each notebook in the isolated kernel, the grader's workers score
``nnlib``, and a record is written per submission.
"""
