"""Helpers the test suites share (model fixtures, ...); conftest files keep only pytest fixtures."""
