"""Stage 1 of a class: set-up and release to students.

The nbgrader course folder, its config, handing lessons out, the student bundle.
"""
