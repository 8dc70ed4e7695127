"""Do the Canvas and Moodle grade files have the layouts those LMSs import?

Canvas ("Importing grades from a CSV file"): header ``Student, ID, SIS User ID, SIS Login
ID, Section`` then one column per assignment, an optional second row ``Points
Possible``. Moodle (Grades > Import > CSV): a header row, one column identifying the user,
one column per grade item. No grade is an empty cell, never 0.
"""

import csv
import io

import pytest

from nncourse.classroom.platforms import lms_csv
from nncourse.cli import build_parser

ROWS = [
    {"student": "s01", "lesson": "lesson01", "status": "ok", "total": 7.0, "max_score": 8.0},
    {"student": "s02", "lesson": "lesson01", "status": "missing", "max_score": 8.0},
    {"student": "s01", "lesson": "lesson02", "status": "failed to run", "total": 3.0,
     "max_score": 9.0},
    {"student": "s02", "lesson": "lesson02", "status": "notebook missing", "total": 0.0,
     "max_score": 9.0},
]


def table(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_layout():
    text, warnings = lms_csv.canvas(ROWS)
    rows = table(text)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "nnlib lesson01", "nnlib lesson02"]
    assert rows[1] == ["Points Possible", "", "", "", "", "8", "9"]
    assert rows[2] == ["s01", "", "", "s01", "", "7", ""]  # failed to run: left empty
    assert rows[3] == ["s02", "", "", "s02", "", "", "0"]  # a real 0 stays a 0
    assert warnings == ["s02 lesson01: missing; left empty",
                        "s01 lesson02: failed to run; left empty"]


def test_canvas_sis_user_id():
    rows = table(lms_csv.canvas(ROWS, "SIS User ID")[0])
    assert rows[2][:5] == ["s01", "", "s01", "", ""]
    with pytest.raises(ValueError, match="expected id_field"):
        lms_csv.canvas(ROWS, "email")


def test_moodle_layout():
    rows = table(lms_csv.moodle(ROWS)[0])
    assert rows == [["Username", "nnlib lesson01", "nnlib lesson02"],
                    ["s01", "7", ""], ["s02", "", "0"]]
    assert table(lms_csv.moodle(ROWS, "email")[0])[0][0] == "Email address"


def test_export_verb_keeps_todays_csv_and_takes_a_format():
    parse = build_parser("export").parse_args
    today = parse(["export", "-o", "grades.csv"])
    assert today.target is None and today.lessons == [] and today.format is None
    assert parse(["export", "canvas", "3", "-o", "c.csv"]).target == "canvas"
    assert parse(["export", "--format", "moodle"]).format == "moodle"
    gradescope = parse(["export", "gradescope", "1", "2", "-o", "a.zip"])
    assert gradescope.target == "gradescope" and gradescope.lessons == ["1", "2"]
