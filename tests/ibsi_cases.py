"""IBSI-1 configurations and the radfeat-name -> IBSI-tag maps shared by the IBSI tests and the report."""

from __future__ import annotations

#: CT phantom configurations A-E (IBSI-1 reference manual, "Configurations"), in radfeat settings.
CT_CONFIGS = {
    "A": dict(resegmentRange=[-500, 400], binWidth=25, force2D=True),
    "B": dict(resampledPixelSpacing=[2, 2, 0], interpolator="sitkLinear", roundIntensities=True,
              resegmentRange=[-500, 400], binCount=32, force2D=True),
    "C": dict(resampledPixelSpacing=[2, 2, 2], interpolator="sitkLinear", roundIntensities=True,
              resegmentRange=[-1000, 400], binWidth=25),
    "D": dict(resampledPixelSpacing=[2, 2, 2], interpolator="sitkLinear", roundIntensities=True,
              outlierSigma=3, binCount=32),
    # IBSI's "tricubic spline" is approximated by SimpleITK's cubic B-spline interpolator.
    "E": dict(resampledPixelSpacing=[2, 2, 2], interpolator="sitkBSpline", roundIntensities=True,
              resegmentRange=[-1000, 400], outlierSigma=3, binCount=32),
}

#: Digital phantom: no discretisation (bin width 1 on integer grey levels), Chebyshev distance 1.
DIGITAL_SETTINGS = dict(binWidth=1)

TAGS = {
    "firstorder": {
        "Mean": "stat_mean", "Variance": "stat_var", "Skewness": "stat_skew", "Kurtosis": "stat_kurt",
        "Median": "stat_median", "Minimum": "stat_min", "10Percentile": "stat_p10", "90Percentile": "stat_p90",
        "Maximum": "stat_max", "InterquartileRange": "stat_iqr", "Range": "stat_range",
        "MeanAbsoluteDeviation": "stat_mad", "RobustMeanAbsoluteDeviation": "stat_rmad",
        "Energy": "stat_energy", "RootMeanSquared": "stat_rms", "Entropy": "ih_entropy",
        "Uniformity": "ih_uniformity",
    },
    "shape": {
        "MeshVolume": "morph_volume", "VoxelVolume": "morph_vol_approx", "SurfaceArea": "morph_area_mesh",
        "SurfaceVolumeRatio": "morph_av", "Sphericity": "morph_sphericity", "Maximum3DDiameter": "morph_diam",
        "MajorAxisLength": "morph_pca_maj_axis", "MinorAxisLength": "morph_pca_min_axis",
        "LeastAxisLength": "morph_pca_least_axis", "Elongation": "morph_pca_elongation",
        "Flatness": "morph_pca_flatness",
    },
}

#: Reference values radfeat misses, with the reason (also listed in the README).
KNOWN_EXCEPTIONS: dict = {}
