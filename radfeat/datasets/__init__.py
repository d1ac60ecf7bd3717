"""Data sets: synthetic lesions (the embedded default), and loaders for real data."""
