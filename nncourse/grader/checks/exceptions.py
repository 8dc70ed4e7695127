"""Name the likely cause of an exception the student's code raised.

A traceback says where code stopped and what numpy or Python objected to, in words a
beginner often cannot act on ("unsupported operand type(s) for *: 'NoneType' and
'float'"). ``exception_code(error_type, message)`` reads the exception's type and text
and returns a diagnosis code; ``EXCEPTION_HINTS`` (part of ``diagnose.HINTS``) has the
sentence the student reads under the quoted error and its line. The rules are tried in
order, so the most specific comes first; an exception no rule knows gets no code, and
the student still reads it with its line.

Only the exception is read here. Checks that know more (a broadcast error in a
``Linear.backward`` between a shape and its reverse, say) name it themselves first.
"""

from __future__ import annotations

import re

EXCEPTION_HINTS = {
    "none_value": "a value is None where a number or an array is needed: a variable set "
                  "to None, the result of a function that returns nothing (one that "
                  "prints, or an in-place method such as list.sort), or an argument left "
                  "out that defaults to None; look at the names on the line quoted above",
    "no_axes": "an array without axes (a single number, or None made into an array) is "
               "indexed or reduced along an axis: check what the line quoted above is given",
    "wrong_arguments": "a function is called with too few or too many arguments: compare "
                       "the call on the line quoted above with the function's definition "
                       "or its documentation (which arguments, in which order)",
    "unpack_count": "a for loop or an assignment unpacks another number of values than it "
                    "is given: zip(...) gives one value per sequence it is passed, so pass "
                    "it one sequence per name on the left",
    "not_scalar": "float() or int() is applied to an array with several entries: reduce it "
                  "to one number first, or take the branch meant for arrays",
    "index_lengths": "two index arrays of different lengths are used together: a row index "
                     "such as np.arange(n) needs one entry per row, so n is the number of "
                     "rows (shape[0]), not of columns",
    "index_range": "an index is past the end of an axis: check the range of the loop and "
                   "which axis's size it uses (shape[0] counts rows, shape[1] columns)",
    "axis_range": "an axis the array does not have: an array of shape (N, D) has axes 0 and "
                  "1 (or -1 for the last)",
    "missing_attribute": "an attribute is read that the object does not have: a misspelt "
                         "name, or one that another method (forward, __init__) should have "
                         "set on self first",
    "undefined_name": "a name is used before anything is assigned to it: a typo, or a "
                      "variable set in only one branch of an if",
    "not_iterable": "something that is not a sequence (a single number, say) is looped "
                    "over or unpacked; max(a, b) needs two values, max(seq) one sequence",
    "array_truth": "an array is used as True or False (in an if, and, or): arrays compare "
                   "entry by entry, so use np.where or a boolean mask",
    "dtype_cast": "an in-place operation would change an array's dtype (an integer array "
                  "+= floats): make the array float before updating it in place",
    "wrong_type": "an operation is applied to values that do not support it (a list where "
                  "a numpy array is needed?): check the types of the operands on the line "
                  "quoted above",
    "rng_not_passed": "the random generator is not passed on: give the rng you were given "
                      "to the function that draws (rng=rng), never None or a new generator",
    "no_return": "the function returns None: a return statement is missing (Printing a "
                 "value does not return it), or it returns what an in-place operation "
                 "gives back",
    "returned_tuple": "more than the array is returned: return only the array, and keep "
                      "what backward needs on self (self._x = x)",
    "returned_list": "a Python list is returned: numpy operations give arrays, so build "
                     "the result with them (or np.array(...) the list)",
    "helper_misused": "a helper is called in a way its contract does not allow; the "
                      "message above says what it expected",
}

# (exception types, or () for any; a regular expression of the message; code)
RULES = (
    (("ValueError",), r"could not be broadcast", "broadcast_shapes"),
    (("ValueError",), r"non-broadcastable output operand", "broadcast_shapes"),
    (("ValueError",), r"matmul", "matmul_shapes"),
    (("RuntimeError",), r"which forward caches", "not_cached"),
    (("ZeroDivisionError",), r"", "zero_division"),
    (("RecursionError",), r"", "recursion"),
    ((), r"NoneType|not None as shape|dtype\('O'\)|dtype object|ufunc 'isfinite' not "
         r"supported", "none_value"),
    ((), r"0-dimensional, but|for array of dimension 0|index to scalar variable", "no_axes"),
    (("TypeError", "ValueError"), r"required positional argument|positional arguments? but|"
     r"unexpected keyword argument|missing required argument|got multiple values for|"
     r"either both or neither of x and y", "wrong_arguments"),
    (("ValueError",), r"values to unpack", "unpack_count"),
    (("TypeError",), r"cannot unpack non-iterable", "unpack_count"),
    (("TypeError",), r"only (0-dimensional|length-1|size-1) arrays can be converted",
     "not_scalar"),
    (("IndexError",), r"indexing arrays could not be broadcast", "index_lengths"),
    (("IndexError",), r"out of bounds|out of range", "index_range"),
    (("AxisError",), r"", "axis_range"),
    (("AttributeError",), r"has no attribute", "missing_attribute"),
    (("NameError", "UnboundLocalError"), r"", "undefined_name"),
    (("TypeError",), r"is not iterable", "not_iterable"),
    (("ValueError",), r"truth value of an array", "array_truth"),
    (("UFuncTypeError", "TypeError"), r"Cannot cast ufunc", "dtype_cast"),
    (("TypeError",), r"unsupported operand|can't multiply|can only concatenate",
     "wrong_type"),
    ((), r"needs rng=|expected rng to be a numpy\.random\.Generator", "rng_not_passed"),
    (("RuntimeError",), r"the grader's stand-in for", "helper_misused"),
)


def exception_code(error_type: str, message: str) -> str | None:
    """The diagnosis code of an exception ``error_type: message``, or None."""
    for types, pattern, code in RULES:
        if (not types or error_type in types) and re.search(pattern, message):
            return code
    return None
