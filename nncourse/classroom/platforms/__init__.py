"""Grading beyond one machine: Gradescope, PrairieLearn, and grade files for an LMS.

One grading image serves both platforms (``image.py``: python + numpy + the grader, with
the hidden checks and the reference of the chosen lessons). The platform's container runs
an entrypoint (``gradescope.py``, ``prairielearn.py``) that stages what the student
uploaded (``upload.py``), grades it through ``nncourse.grader.api`` only (``outcome.py``)
and writes the platform's ``results.json``. ``lms_csv.py`` writes grade CSVs that Canvas
and Moodle import as they are. Nothing here imports ``nnlib``: student code runs only in
the grader's workers.
"""
