"""Release part of nncourse."""
