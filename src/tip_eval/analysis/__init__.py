"""Analyses of a Study (or of plain tidy DataFrames): tidy result frames at full precision.

The public functions are re-exported from :mod:`tip_eval` itself (``te.gains`` etc.).
"""
