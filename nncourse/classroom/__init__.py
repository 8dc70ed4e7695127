"""The instructor's class workflow on nbgrader, by stage of a class.

``prepare/`` (course folder, config, hand-out, student bundle), ``intake/`` (collect),
``autograde/`` (notebooks in the isolated kernel, ``nnlib`` by the grader's workers),
``results/`` (feedback, export, report). Shared by the stages: ``course.py`` (the course
folder and its lessons), ``records.py`` (one record per graded submission),
``gradebook.py`` (nbgrader's database), ``leaks.py`` (scans for solution text) and
``nbgrader_batches.py`` (nbgrader's API for many students in one process).
"""
