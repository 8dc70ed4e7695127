"""Does the stub generator replace solution regions, and refuse malformed markers?"""

import textwrap

import pytest

from nncourse.release.markers import MarkerError, find_regions, make_stub

SOURCE = textwrap.dedent('''\
    class Linear:
        def forward(self, x):
            """x @ W + b."""
            n = len(x)
            ### BEGIN SOLUTION linear.forward
            out = x @ self.W
            return out + self.b
            ### END SOLUTION

    def helper():
        return 1
''')


def test_region_becomes_one_raise_at_the_marker_indentation():
    stub = make_stub(SOURCE, lessons={"linear.forward": "01"})
    assert stub.splitlines()[4] == (
        '        raise NotImplementedError("Exercise linear.forward (lesson 01): '
        'not implemented yet")'
    )


def test_everything_outside_regions_is_copied_unchanged():
    stub = make_stub(SOURCE)
    kept = [line for line in SOURCE.splitlines() if "SOLUTION" not in line]
    solution = {"        out = x @ self.W", "        return out + self.b"}
    assert [line for line in stub.splitlines() if "NotImplementedError" not in line] == [
        line for line in kept if line not in solution
    ]


def test_stub_holds_no_solution_text_and_still_compiles():
    stub = make_stub(SOURCE)
    assert "x @ self.W" not in stub and "SOLUTION" not in stub
    compile(stub, "stub.py", "exec")


def test_stub_raises_naming_the_exercise():
    namespace = {}
    exec(make_stub(SOURCE), namespace)
    with pytest.raises(NotImplementedError, match="linear.forward"):
        namespace["Linear"]().forward([1.0])


def test_two_regions_in_one_file_keep_their_order_and_ids():
    text = SOURCE + (
        "def g():\n    ### BEGIN SOLUTION relu.backward\n    return 2\n    ### END SOLUTION\n"
    )
    regions = find_regions(text)
    assert [(r.exercise, r.begin, r.end) for r in regions] == [
        ("linear.forward", 5, 8), ("relu.backward", 13, 15)
    ]


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("### BEGIN SOLUTION a.b\n### BEGIN SOLUTION c.d\n### END SOLUTION\n", "nested"),
        ("x = 1\n### BEGIN SOLUTION a.b\nx = 2\n", "never closed"),
        ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
        ("### BEGIN SOLUTION\nx = 2\n### END SOLUTION\n", "exercise id"),
        ("### BEGIN SOLUTION Linear Forward\nx = 2\n### END SOLUTION\n", "exercise id"),
        ("x = 2  ### BEGIN SOLUTION a.b\n", "malformed marker"),
        ("#BEGIN SOLUTION a.b\nx = 2\n", "malformed marker"),
        ("### BEGIN HIDDEN TESTS\nx = 2\n", "malformed marker"),
    ],
)
def test_malformed_markers_are_refused_with_file_and_line(text, complaint):
    with pytest.raises(MarkerError, match=complaint) as error:
        make_stub(text, "pkg/mod.py")
    assert "pkg/mod.py:" in str(error.value)
