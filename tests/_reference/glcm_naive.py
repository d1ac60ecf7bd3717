"""Naive GLCM: plain loops and NumPy formulas, written from pyradiomics' documentation.

Independent of radfeat's kernels; slow, for small test images only.
"""

from __future__ import annotations

import itertools

import numpy as np

EPS = np.spacing(1)


def angles_naive(shape, distances, excluded_dim=-1):
    """One offset of each +/- pair, in pyradiomics' order (first axis slowest, from +d to -d)."""
    dmax = max(distances)
    valid = []
    for off in itertools.product(range(dmax, -dmax - 1, -1), repeat=len(shape)):
        if not any(off):
            continue
        if any(abs(o) >= s for o, s in zip(off, shape)):
            continue
        if 0 <= excluded_dim < len(shape) and off[excluded_dim] != 0:
            continue
        if max(abs(o) for o in off) in distances:
            valid.append(off)
    return np.array(valid[: len(valid) // 2], dtype=int).reshape(-1, len(shape))


def crop(levels, mask):
    """Crop both arrays to the bounding box of ``mask``."""
    idx = np.nonzero(mask)
    sl = tuple(slice(i.min(), i.max() + 1) for i in idx)
    return levels[sl], mask[sl]


def glcm_naive(levels, mask, distances=(1,), symmetric=True, weighting=None, spacing=None,
               excluded_dim=-1):
    """pyradiomics' ``P_glcm`` (G, G, Na) and the grey levels present, by brute force."""
    levels, mask = crop(np.asarray(levels), np.asarray(mask, bool))
    gray = np.unique(levels[mask])
    index = {g: k for k, g in enumerate(gray)}
    angles = angles_naive(levels.shape, list(distances), excluded_dim)
    P = np.zeros((len(gray), len(gray), len(angles)))
    for a, off in enumerate(angles):
        for pos in zip(*np.nonzero(mask)):
            nb = tuple(np.add(pos, off))
            if all(0 <= c < s for c, s in zip(nb, levels.shape)) and mask[nb]:
                P[index[levels[pos]], index[levels[nb]], a] += 1
    if symmetric:
        P = P + P.transpose(1, 0, 2)
    if weighting is not None:
        spacing = np.ones(levels.ndim) if spacing is None else np.asarray(spacing, float)
        w = []
        for off in angles:
            v = np.abs(off) * spacing
            d2 = {"infinity": v.max() ** 2, "euclidean": (v ** 2).sum(),
                  "manhattan": v.sum() ** 2}.get(weighting, None)
            w.append(1.0 if d2 is None else np.exp(-d2))
        P = (P * np.array(w)).sum(axis=2, keepdims=True)
    sums = P.sum(axis=(0, 1))
    if P.shape[2] > 1:
        P, sums = P[:, :, sums != 0], sums[sums != 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        P = P / np.where(sums == 0, np.nan, sums)
    return P, gray.astype(float)


def glcm_features_naive(P, gray, Ng):
    """Dict of the 24 features, per angle with NumPy formulas, then ``nanmean`` over angles."""
    i, j = np.meshgrid(gray, gray, indexing="ij")
    rows = []
    mccs = []
    for a in range(P.shape[2]):
        p = P[:, :, a]
        px, py = p.sum(1), p.sum(0)
        ux, uy = (p * i).sum(), (p * j).sum()
        psum = np.array([p[i + j == k].sum() for k in range(2, 2 * Ng + 1)])
        pdiff = np.array([p[np.abs(i - j) == k].sum() for k in range(Ng)])
        k = np.arange(Ng, dtype=float)
        hx = -(px * np.log2(px + EPS)).sum()
        hy = -(py * np.log2(py + EPS)).sum()
        hxy = -(p * np.log2(p + EPS)).sum()
        pxpy = np.outer(px, py)
        hxy1 = -(p * np.log2(pxpy + EPS)).sum()
        hxy2 = -(pxpy * np.log2(pxpy + EPS)).sum()
        sx, sy = np.sqrt((p * (i - ux) ** 2).sum()), np.sqrt((p * (j - uy) ** 2).sum())
        corm = (p * (i - ux) * (j - uy)).sum()
        da = (k * pdiff).sum()
        div = np.fmax(hx, hy)
        with np.errstate(invalid="ignore", divide="ignore"):
            imc2 = 0.0 if hxy2 == hxy else np.sqrt(1 - np.exp(-2 * (hxy2 - hxy)))
        rows.append({
            "Autocorrelation": (p * i * j).sum(),
            "ClusterProminence": (p * (i + j - ux - uy) ** 4).sum(),
            "ClusterShade": (p * (i + j - ux - uy) ** 3).sum(),
            "ClusterTendency": (p * (i + j - ux - uy) ** 2).sum(),
            "Contrast": (p * (i - j) ** 2).sum(),
            "Correlation": 1.0 if sx * sy == 0 else corm / (sx * sy + EPS),
            "DifferenceAverage": da,
            "DifferenceEntropy": -(pdiff * np.log2(pdiff + EPS)).sum(),
            "DifferenceVariance": (pdiff * (k - da) ** 2).sum(),
            "Id": (pdiff / (1 + k)).sum(),
            "Idm": (pdiff / (1 + k ** 2)).sum(),
            "Idmn": (pdiff / (1 + k ** 2 / Ng ** 2)).sum(),
            "Idn": (pdiff / (1 + k / Ng)).sum(),
            "Imc1": (hxy - hxy1) / div if div != 0 else 0.0,
            "Imc2": imc2,
            "InverseVariance": (pdiff[1:] / k[1:] ** 2).sum(),
            "JointAverage": ux,
            "JointEnergy": (p ** 2).sum(),
            "JointEntropy": hxy,
            "MaximumProbability": p.max(),
            "SumAverage": (np.arange(2, 2 * Ng + 1) * psum).sum(),
            "SumEntropy": -(psum * np.log2(psum + EPS)).sum(),
            "SumSquares": (p * (i - ux) ** 2).sum(),
        })
        if len(gray) > 1 and np.isfinite(p).all():
            Q = np.zeros_like(p)
            for r in range(len(gray)):
                for c in range(len(gray)):
                    Q[r, c] = (p[r, :] * p[c, :] / (px[r] * py + EPS)).sum()
            ev = np.sort(np.linalg.eigvals(Q).real)
            mccs.append(np.sqrt(ev[-2]) if ev[-2] >= 0 else np.nan)
    out = {}
    with np.errstate(invalid="ignore"):
        for name in rows[0] if rows else []:
            vals = np.array([r[name] for r in rows], dtype=float)
            out[name] = np.nanmean(vals) if np.isfinite(vals).any() else np.nan
        out["MCC"] = 1.0 if len(gray) < 2 else (np.nanmean(mccs) if mccs else np.nan)
    return out
