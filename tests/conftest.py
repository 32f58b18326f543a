"""Shared fixtures: the real database (pytest-django) and, per test, a real Whoosh index in tmp_path."""
