"""Classroom part of nncourse."""
