"""Preprocessing: mask checks, cropping, resampling, normalisation, resegmentation, discretisation."""
