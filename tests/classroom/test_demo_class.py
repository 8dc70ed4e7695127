"""The demo class through the whole workflow: grades, statuses, cheats, feedback, safety."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import students
from common import LESSON, ROOT, sha

from nncourse.classroom import gradebook, leaks
from nncourse.classroom.autograde import kernel as sandbox
from nncourse.classroom.course import Course
from nncourse.classroom.records import read_records

CHEATS = ["s09-allclose", "s10-transformer", "s11-reads-hidden"]


def test_every_step_reports_success(demo):
    """Does each command exit 0, except collect, which refused the one unsafe zip?"""
    assert demo.outputs["assign"][0] == 0, demo.outputs["assign"][1]
    status, text = demo.outputs["collect"]
    assert status == 1 and "unsafe path in zip" in text and "s13-evil" in text
    assert "collected 17 submission(s), 4 with a problem, 1 refused" in text
    table = text[text.index("student  "):]
    assert "s15-no-nnlib" in table and "nnlib/__init__.py is missing" in table
    assert "s16-broken-import" in table and "nnlib/__init__.py line 2: SyntaxError" in table
    assert "s17-corrupt-notebook" in table and "not valid JSON" in table
    assert "s12-no-notebook" in table and "02_loss.ipynb is missing" in table
    assert "s18-tampered" not in table  # an edited cell is nbgrader's to find at autograde
    assert not (demo.course / "submitted" / "s13-evil").exists()
    for step in ("autograde", "export"):
        assert demo.outputs[step][0] == 0, demo.outputs[step][1]
    status, text = demo.outputs["feedback"]
    if sandbox.level() == "scratch-only":  # the cheat read the sources: its page is withheld
        assert status == 2 and "s11-reads-hidden: feedback withheld" in text, text
        assert text.count("feedback withheld") == text.count("s11-reads-hidden: feedback")
    else:
        assert status == 0, text


def feedback_students(demo) -> list[str]:
    """Who must get a page: everyone, but without the sandbox the source-reading cheat's
    page holds hidden tests and is withheld."""
    if sandbox.level() == "scratch-only":
        return sorted(s for s in demo.expected if s != "s11-reads-hidden")
    return sorted(demo.expected)


@pytest.mark.parametrize("student", sorted(students.demo_class(ROOT, Path("/x")))
                         + [students.NO_NOTEBOOK] + sorted(students.BAD_UPLOADS))
def test_exported_grade_and_status(demo, student):
    """Is each student's exported total the workers' score, with the right status?"""
    points, status = demo.expected[student]
    row = demo.rows[(student, LESSON)]
    assert row["status"] == status
    exercises = [k for k in students.THIS]
    assert sum(float(row[k]) for k in exercises) == points
    assert row["written"] == ""  # not graded by hand yet: empty, not 0
    assert float(row["total"]) == points
    assert float(row["max_score"]) == 10.0  # 7 exercise points + 2 derivations + 1 written answer


@pytest.mark.parametrize("student", sorted(students.BAD_UPLOADS))
def test_a_bad_upload_says_what_is_wrong(demo, student):
    """Does a half or bad upload get its own status and a reason an instructor can act on,
    with no temporary path in the record, the export or the feedback?"""
    points, status, words = students.BAD_UPLOADS[student]
    record = read_records(demo.course / "nncourse" / "records" / LESSON)[student]
    assert record["notebook"] == status and words in record["reason"], record["reason"]
    text = json.dumps(record) + json.dumps(demo.rows[(student, LESSON)])
    for page in (demo.course / "feedback" / student).rglob("*.html"):
        text += page.read_text()
    # the grader's and the kernel's scratch folders (the Python installation may show in a
    # traceback of the notebook: it is no temporary path)
    assert not re.search(r"nncourse-(grade|worker|autograde)-|/kernel-\d+-", text)


@pytest.mark.parametrize("student", sorted(students.BAD_UPLOADS)
                         + [students.NO_NOTEBOOK, "s01-complete"])
def test_the_gradebook_flags_a_bad_upload_with_its_status(demo, student):
    """Does formgrader show a bad upload flagged, its status in a comment, and an ok one
    neither?"""
    flagged, comment = gradebook.status_in_gradebook(demo.course / "gradebook.db", LESSON,
                                                     students.LESSON, student)
    status = demo.expected[student][1]
    if status != "ok":
        assert flagged and comment.startswith(f"Autograde status: {status}: "), comment
    else:
        assert (flagged, comment) == (False, None)


def test_batch_logs_hold_no_library_noise(demo):
    """Are the batch logs an instructor reads on a failure free of warnings that say
    nothing about the class (nbgrader's SQLAlchemy autoflush, the kernel's TCP note)?"""
    logs = sorted((demo.course / "nncourse" / "runs").rglob(".batch-*.log"))
    assert logs
    for log in logs:
        text = log.read_text()
        assert "SAWarning" not in text and "WARNING" not in text, (log, text[:2000])


def test_missing_student_is_not_a_zero(demo):
    """Does a student on the roster without a submission say 'missing' with empty scores?"""
    row = demo.rows[("s14-absent", LESSON)]
    assert row["status"] == "missing"
    assert row["total"] == "" and row["mse.forward"] == ""


def test_canvas_and_moodle_files_carry_the_exported_totals(demo, tmp_path):
    """Do the LMS files hold each final total, and an empty cell where the CSV has none?"""
    import csv

    from nncourse.classroom.platforms.lms_csv import FINAL
    from nncourse.cli import main

    for target, id_column in (("canvas", "SIS Login ID"), ("moodle", "Username")):
        out = tmp_path / f"{target}.csv"
        assert main(["export", target, "--course", str(demo.course), "--lesson", "2",
                     "-o", str(out)]) == 0
        table = list(csv.DictReader(out.read_text().splitlines()))
        if target == "canvas":
            assert table.pop(0)["nnlib lesson02"] == "10"  # the Points Possible row
        got = {row[id_column]: row["nnlib lesson02"] for row in table}
        for (student, _), row in demo.rows.items():
            final = row["status"] in FINAL
            assert got[student] == (f"{float(row['total']):g}" if final else ""), student


def test_known_bugs_are_diagnosed_per_exercise(demo):
    """Do the two buggy students fail exactly their buggy exercise?"""
    records = read_records(demo.course / "nncourse" / "records" / LESSON)
    for student, exercise in (("s04-bug-softmax", "softmax.forward"),
                              ("s05-bug-mse", "mse.forward")):
        verdicts = {e["id"]: e["status"] for e in records[student]["nnlib"]["exercises"]}
        assert verdicts.pop(exercise) == "failed"
        assert set(verdicts.values()) == {"passed"}


def test_cheats_gain_nothing(demo):
    """Do the cheating students score no more than the blank one, in export and gradebook?"""
    blank = float(demo.rows[("s03-blank", LESSON)]["total"])
    course = Course.load(demo.course)
    scores = gradebook.lesson_scores(course.gradebook, LESSON, students.LESSON)
    for student in CHEATS:
        assert float(demo.rows[(student, LESSON)]["total"]) == blank == 0.0
        exercise_cells = {c.grade_id for c in course.exercise_cells(LESSON)}
        assert all(scores[student][g] == 0.0 for g in exercise_cells), scores[student]


def test_the_transformer_would_have_fooled_the_kernel(demo):
    """Did the input transformer silence the graded cells in the kernel (so nbgrader alone
    would have given full marks), while the workers still gave 0?"""
    nb = json.loads((demo.course / "autograded" / "s10-transformer" / LESSON /
                     students.LESSON).read_text())
    graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
              and c["cell_type"] == "code"]
    assert graded and all(not any(o["output_type"] == "error" for o in c["outputs"])
                          for c in graded)
    assert float(demo.rows[("s10-transformer", LESSON)]["total"]) == 0.0


def test_gradebook_has_one_submission_per_student(demo):
    """Did two parallel batches leave exactly one graded submission per student?"""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{demo.course / 'gradebook.db'}") as gb:
        subs = gb.find_assignment(LESSON).submissions
        names = sorted(s.student.id for s in subs)
    assert names == sorted(demo.expected)


def feedback_pages(demo) -> list[Path]:
    return sorted((demo.course / "feedback").rglob("*"))


def test_feedback_is_html_only_one_page_per_student(demo):
    """Does every student get one HTML page, and nothing else (no .py of anyone)?"""
    files = [p for p in feedback_pages(demo) if p.is_file()
             and p.name not in ("timestamp.txt", "submission_secret.txt")]
    assert all(p.suffix == ".html" for p in files), files
    assert sorted(p.parts[-3] for p in files) == feedback_students(demo)


def test_feedback_has_no_hidden_tests_or_solutions(demo):
    """Is there no hidden-test line, solution region or grader-hidden text in any page?"""
    course = Course.load(demo.course)
    secrets = (leaks.notebook_secrets(course.source_notebook(LESSON))
               + leaks.library_secrets(ROOT / "solutions" / "nnlib")
               + leaks.hidden_secrets(ROOT / "nncourse" / "grader" / "hidden"))
    assert any("hidden=True" in s.text for s in secrets)  # the scan knows the hidden lines
    assert leaks.scan(demo.course / "feedback", secrets) == []
    for page in (p for p in feedback_pages(demo) if p.is_file()):
        assert "hidden=True" not in leaks.readable(page)


def test_feedback_shows_worker_verdicts(demo):
    """Does a buggy student's page show the workers' verdict in the graded cell?"""
    page = demo.course / "feedback" / "s04-bug-softmax" / LESSON / "02_loss.html"
    text = leaks.readable(page)
    assert "softmax.forward: failed, 0/2 point(s)" in text
    assert "mse.forward: passed, 1/1 point(s)" in text
    failed = demo.course / "feedback" / "s08-exits" / LESSON / "02_loss.html"
    assert "failed to run" in leaks.readable(failed)


@pytest.mark.skipif(sandbox.level() == "scratch-only",
                    reason="needs Linux and root for the kernel sandbox (docs/instructor.md)")
def test_nothing_written_into_the_course_or_repository(demo):
    """Did no student code write a file into the course, the exchange or the repository?"""
    for folder in (demo.course, demo.exchange, ROOT):
        assert not list(folder.rglob("pwned*")), folder
    assert sha(demo.course / "source" / LESSON / students.LESSON) == demo.source_hash


@pytest.mark.skipif(sandbox.level() != "namespace+nobody",
                    reason="needs root and mount namespaces (see docs/instructor.md)")
def test_student_code_could_not_read_secrets(demo):
    """Did the sandbox deny the cheat every read of sources, solutions and the gradebook?"""
    nb = json.loads((demo.course / "autograded" / "s11-reads-hidden" / LESSON /
                     students.LESSON).read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "### BEGIN" not in text and "hidden=True" not in text and "LEAK" not in text
    assert "could not read" in text and "gradebook.db" in text
    assert len(re.findall("could not write", text)) == 3


@pytest.mark.skipif(sandbox.level() == "scratch-only",
                    reason="kernels need uids of their own (see docs/instructor.md)")
def test_what_a_kernel_wrote_to_the_shared_tmp_is_gone(demo):
    """The cheat wrote a file into the machine's /tmp: is it gone after the run?"""
    nb = json.loads((demo.course / "autograded" / "s11-reads-hidden" / LESSON /
                     students.LESSON).read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "wrote /tmp/nncourse-demo-leftover" in text
    assert not Path("/tmp/nncourse-demo-leftover").exists()


def test_rerun_skips_unchanged_submissions(demo, capsys):
    """Does a second autograde leave graded, unchanged submissions alone?"""
    from nncourse.cli import main

    assert main(["autograde", "2", "--course", str(demo.course)]) == 0
    assert "graded 0 submission(s)" in capsys.readouterr().out


def grading_processes() -> list[str]:
    """Command lines of live batch, worker and kernel processes (any course)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = b" ".join(argv).decode(errors="replace")
        if "nncourse.isolation.enter" in text or "nncourse.classroom.autograde.batch" in text:
            found.append(text[:200])
    return found


def scratch_left(base: Path) -> list[str]:
    """Grading scratch folders in the temp folder ``base`` whose owner process is dead."""
    from nncourse.isolation.scratch import owner_alive

    return sorted(str(p) for prefix in ("nncourse-autograde-", "nncourse-grade-",
                                        "nncourse-worker-") for p in base.glob(prefix + "*")
                  if not owner_alive(p, prefix))


def test_killed_autograde_resumes_with_the_same_grades(demo, tmp_path, capsys, monkeypatch):
    """After ``kill -9`` of the autograde process alone midway, are its batches, workers
    and kernels gone with it, and does the next run remove its scratch folders and finish
    the job with the same grades as before, none lost, none doubled?"""
    import os
    import signal
    import subprocess
    import sys
    import time

    from common import read_csv

    from nncourse.cli import main

    records = demo.course / "nncourse" / "records" / LESSON
    chosen = ["s01-complete", "s02-partial", "s03-blank", "s04-bug-softmax",
              "s05-bug-mse", "s06-raises"]
    before = {s: (records / f"{s}.json").stat().st_mtime for s in chosen}
    import shutil
    import tempfile

    # this test's own temp folder (nobody else's scratch in it), which the kernels' own
    # uids can enter, unlike pytest's tmp_path
    temp = Path(tempfile.mkdtemp(prefix="killed-autograde-", dir="/tmp"))
    temp.chmod(0o711)
    request_cleanup = lambda: shutil.rmtree(temp, ignore_errors=True)  # noqa: E731
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nncourse.cli", "autograde", "2", "--course", str(demo.course),
         "--force", "--jobs", "2", "--student", "s0[1-6]*"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            fresh = [s for s in chosen if (records / f"{s}.json").is_file()
                     and (records / f"{s}.json").stat().st_mtime > before[s]]
            if fresh:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)  # the parent only: its children must follow
        proc.wait()
    deadline = time.time() + 20
    while grading_processes() and time.time() < deadline:
        time.sleep(0.1)
    assert grading_processes() == []
    assert scratch_left(temp)  # the killed run could not clean up...
    done = [s for s in chosen if (records / f"{s}.json").is_file()]
    status = main(["autograde", "2", "--course", str(demo.course), "--jobs", "2"])
    assert scratch_left(temp) == []  # ...the next run did
    request_cleanup()
    assert 0 < len(done) < len(chosen), done  # killed midway: some graded, some not
    assert status == 0
    out = capsys.readouterr().out
    assert f"graded {len(chosen) - len(done)} submission(s)" in out, out
    assert main(["export", "--course", str(demo.course), "--lesson", "2", "-o",
                 str(tmp_path / "again.csv")]) == 0
    assert read_csv((tmp_path / "again.csv").read_text()) == demo.rows
    test_gradebook_has_one_submission_per_student(demo)


def test_report_counts_verdicts_and_bugs(demo, capsys, tmp_path):
    """Does the report count each exercise's verdicts over the class, name the planted bugs
    among the most common diagnoses, and draw a PNG?"""
    from nncourse.classroom.course import Course
    from nncourse.classroom.results.report import summarise
    from nncourse.cli import main

    png = tmp_path / "report.png"
    assert main(["report", "2", "--course", str(demo.course), "-o", str(png)]) == 0
    text = capsys.readouterr().out
    summary = summarise(Course.load(demo.course), LESSON)
    # by hand from students.py: softmax is in 9 "everything" libraries (one with the bug,
    # one without a notebook, one corrupt notebook, one tampered, one looping) and 2 "half"
    # ones;
    # bce_logits only in the 9 "everything" ones; the two whose nnlib is missing or does
    # not import are counted apart
    assert summary["statuses"]["softmax.forward"] == {"passed": 10, "failed": 1,
                                                      "not_implemented": 4}
    assert summary["statuses"]["bce_logits.forward"] == {"passed": 9, "not_implemented": 6}
    assert summary["submissions"]["nnlib missing"] == 1
    assert "nnlib does not import 1" in text and "left out of the exercise counts" in text
    records = read_records(demo.course / "nncourse" / "records" / LESSON)
    planted = next(e["diagnosis"] for e in records["s04-bug-softmax"]["nnlib"]["exercises"]
                   if e["id"] == "softmax.forward")
    assert planted and f"softmax.forward: 1 x {planted}" in text
    assert "failed to run 1" in text and "notebook missing 1" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_a_grader_fault_is_its_own_status_and_the_next_run_grades_it(demo, tmp_path,
                                                                     monkeypatch, capsys):
    """When the grader itself fails on a correct student, is the submission marked
    ``grader error`` (not ``ok`` with 0), listed at the end, and graded by the next run?"""
    from common import read_csv

    from nncourse.cli import main

    (tmp_path / "faulty_grader.py").write_text(
        "def grade_package(*args, **kwargs):\n"
        "    raise SystemError('AST constructor recursion depth mismatch (injected)')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("NNCOURSE_GRADER_API", "faulty_grader")
    course, csv_path = str(demo.course), str(tmp_path / "faulty.csv")
    assert main(["autograde", "2", "--course", course, "--force", "--student",
                 "s01-complete"]) == 1
    err = capsys.readouterr().err
    assert "the grader itself failed on 1 submission(s)" in err and "s01-complete" in err
    assert main(["export", "--course", course, "--lesson", "2", "-o", csv_path]) == 0
    assert read_csv(Path(csv_path).read_text())[("s01-complete", LESSON)]["status"] \
        == "grader error"
    monkeypatch.delenv("NNCOURSE_GRADER_API")
    assert main(["autograde", "2", "--course", course]) == 0  # no --force needed
    assert "graded 1 submission(s)" in capsys.readouterr().out
    assert main(["export", "--course", course, "--lesson", "2", "-o", csv_path]) == 0
    assert read_csv(Path(csv_path).read_text()) == demo.rows


def test_export_covers_the_lessons_handed_out(demo, tmp_path):
    """Does a plain export hold only the lessons assigned, and ``--all`` mark the others
    'not assigned' rather than 'missing'?"""
    from common import read_csv

    from nncourse.cli import main

    course, out = str(demo.course), tmp_path / "grades.csv"
    assert main(["export", "--course", course, "-o", str(out)]) == 0
    rows = read_csv(out.read_text())
    assert {lesson for _, lesson in rows} == {LESSON}
    assert rows == demo.rows
    assert main(["export", "--course", course, "--all", "-o", str(out)]) == 0
    rows = read_csv(out.read_text())
    others = {row["status"] for (_, lesson), row in rows.items() if lesson != LESSON}
    lessons = len(list((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")))  # the course's
    assert len({lesson for _, lesson in rows}) == lessons and others == {"not assigned"}


def test_a_looping_notebook_costs_at_most_its_budget(demo, capsys):
    """Is a notebook stopped when its time budget runs out (status 'timed out', nnlib
    still graded), with the budget measured from the reference at assign?"""
    from nncourse.classroom.autograde.budget import lesson_budget
    from nncourse.cli import main

    assert "autograde stops a notebook after" in demo.outputs["assign"][1]
    measured = lesson_budget(demo.course / "nncourse", LESSON)
    assert 30 < measured < 600  # 3 x the reference's time + 30 s
    course = str(demo.course)
    try:
        assert main(["autograde", "2", "--course", course, "--force", "--student",
                     "s19-loops-everywhere", "--notebook-budget", "4"]) == 0
        record = read_records(demo.course / "nncourse" / "records" / LESSON)[
            "s19-loops-everywhere"]
        runs = demo.course / "nncourse" / "runs" / LESSON / "nbgrader"
        seconds = json.loads((runs / "s19-loops-everywhere.json").read_text())[
            "nbgrader_seconds"]
        assert record["notebook"] == "timed out" and "time budget of 4 s" in record["reason"]
        assert record["score"] == 7.0  # its nnlib is graded all the same
        assert seconds < 4 + 8, seconds  # generous: kernel start-up and a loaded machine
    finally:
        capsys.readouterr()


def test_feedback_is_released_for_a_zip_collected_class(demo, tmp_path, capsys):
    """Does ``feedback --release`` hand back one page per student of a class collected from
    LMS zips (where ``nbgrader release_feedback`` has no exchange submission to use), each
    bad submission's page opening with its status?"""
    import zipfile

    from nncourse.cli import main

    status = main(["feedback", "2", "--course", str(demo.course), "--release", "--to",
                   str(tmp_path)])
    out = capsys.readouterr().out
    assert status == (2 if sandbox.level() == "scratch-only" else 0), out
    students = feedback_students(demo)
    assert f"{len(students)} written for the LMS" in out
    assert sorted(p.name for p in tmp_path.glob("*.html")) == [
        f"{s}_{LESSON}.html" for s in students]
    with zipfile.ZipFile(tmp_path / f"{LESSON}-feedback.zip") as archive:
        assert len(archive.namelist()) == len(students)
    tampered = (tmp_path / f"s18-tampered_{LESSON}.html").read_text()
    assert "Status of your submission: tampered" in tampered and "mse-forward" in tampered
    assert "Status of your submission" not in (tmp_path / f"s01-complete_{LESSON}.html"
                                               ).read_text()


def test_feedback_names_a_likely_bug_once(demo):
    """Does a diagnosed bug's feedback say "Likely bug:" once, not once more with its code?"""
    pages = list((demo.course / "feedback" / "s04-bug-softmax").rglob("*.html"))
    text = "".join(p.read_text() for p in pages)
    assert text.count("Likely bug:") == 1, text.count("Likely bug:")
