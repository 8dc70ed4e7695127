"""The student's side of the course tooling.

What runs on a student's machine besides ``nncourse check``
(``nncourse.grader.check_command``); shipped in the student bundle.
"""
