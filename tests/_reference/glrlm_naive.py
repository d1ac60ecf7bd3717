"""Naive GLRLM: walk every line explicitly, then NumPy formulas from pyradiomics' documentation.

Independent of radfeat's kernels; slow, for small test images only.
"""

from __future__ import annotations

import numpy as np

from .glcm_naive import angles_naive, crop

EPS = np.spacing(1)


def _lines(shape, off):
    """Yield each line along ``off`` as a list of positions (start: stepping back leaves the box)."""
    for start in np.ndindex(*shape):
        back = np.subtract(start, off)
        if all(0 <= c < s for c, s in zip(back, shape)):
            continue
        line, pos = [], np.array(start)
        while all(0 <= c < s for c, s in zip(pos, shape)):
            line.append(tuple(pos))
            pos = pos + off
        yield line


def glrlm_naive(levels, mask, weighting=None, spacing=None, excluded_dim=-1):
    """pyradiomics' ``P_glrlm`` (G, Nr, Na) before run-length pruning, and the grey levels present."""
    levels, mask = crop(np.asarray(levels), np.asarray(mask, bool))
    gray = np.unique(levels[mask])
    index = {g: k for k, g in enumerate(gray)}
    angles = angles_naive(levels.shape, [1], excluded_dim)
    P = np.zeros((len(gray), max(levels.shape), len(angles)))
    for a, off in enumerate(angles):
        longest_roi_line = 0
        for line in _lines(levels.shape, off):
            values = [levels[p] if mask[p] else None for p in line]
            longest_roi_line = max(longest_roi_line, sum(v is not None for v in values))
            run_value, run_len = None, 0
            for v in values + [None]:
                if v is not None and v == run_value:
                    run_len += 1
                    continue
                if run_value is not None:
                    P[index[run_value], run_len - 1, a] += 1
                run_value, run_len = v, (1 if v is not None else 0)
        if longest_roi_line < 2:
            P[:, :, a] = 0
    if weighting is not None:
        spacing = np.ones(levels.ndim) if spacing is None else np.asarray(spacing, float)
        w = []
        for off in angles:
            v = np.abs(off) * spacing
            w.append({"infinity": v.max(), "euclidean": np.sqrt((v ** 2).sum()),
                      "manhattan": v.sum()}.get(weighting, 1.0))
        P = (P * np.array(w)).sum(axis=2, keepdims=True)
    sums = P.sum(axis=(0, 1))
    if P.shape[2] > 1:
        P = P[:, :, sums != 0]
    return P, gray.astype(float)


def glrlm_features_naive(P, gray):
    """Dict of the 16 features, per angle, then ``nanmean`` over angles.

    Run lengths that occur in no angle are deleted first, as pyradiomics does (it matters for an
    all-empty matrix, where RunEntropy and RunVariance become sums over nothing).
    """
    lengths = np.arange(1, P.shape[1] + 1, dtype=float)
    present = P.sum(axis=(0, 2)) != 0
    P = P[:, present, :]
    i = gray[:, None]
    j = lengths[present][None, :]
    rows = []
    for a in range(P.shape[2]):
        p = P[:, :, a]
        nr = p.sum()
        nr = np.nan if nr == 0 else nr
        pg, pr = p.sum(1), p.sum(0)
        pn = p / nr
        mu_i = (pn * i).sum()
        mu_j = (pn * j).sum()
        rows.append({
            "GrayLevelNonUniformity": (pg ** 2).sum() / nr,
            "GrayLevelNonUniformityNormalized": (pg ** 2).sum() / nr ** 2,
            "GrayLevelVariance": (pn * (i - mu_i) ** 2).sum(),
            "HighGrayLevelRunEmphasis": (p * i ** 2).sum() / nr,
            "LongRunEmphasis": (p * j ** 2).sum() / nr,
            "LongRunHighGrayLevelEmphasis": (p * i ** 2 * j ** 2).sum() / nr,
            "LongRunLowGrayLevelEmphasis": (p * j ** 2 / i ** 2).sum() / nr,
            "LowGrayLevelRunEmphasis": (p / i ** 2).sum() / nr,
            "RunEntropy": -(pn * np.log2(pn + EPS)).sum(),
            "RunLengthNonUniformity": (pr ** 2).sum() / nr,
            "RunLengthNonUniformityNormalized": (pr ** 2).sum() / nr ** 2,
            "RunPercentage": nr / (p * j).sum(),
            "RunVariance": (pn * (j - mu_j) ** 2).sum(),
            "ShortRunEmphasis": (p / j ** 2).sum() / nr,
            "ShortRunHighGrayLevelEmphasis": (p * i ** 2 / j ** 2).sum() / nr,
            "ShortRunLowGrayLevelEmphasis": (p / (i ** 2 * j ** 2)).sum() / nr,
        })
    out = {}
    with np.errstate(invalid="ignore"):
        for name in rows[0] if rows else []:
            vals = np.array([r[name] for r in rows], dtype=float)
            out[name] = np.nanmean(vals) if np.isfinite(vals).any() else np.nan
    return out
