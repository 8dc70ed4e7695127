"""Grader part of nncourse."""
