"""Batch extraction that uses every core, reaches past one machine, and loses nothing.

``task`` is the one function every executor runs (serial, worker processes, Dask); ``journal``
keeps each finished case on disk, keyed by its input hashes and the settings, so a rerun after a
crash skips it; ``runner`` ties them together in manifest order; ``progress`` reports.
"""
