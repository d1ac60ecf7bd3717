"""IBSI-1 configurations and the radfeat-name -> IBSI-tag maps shared by the IBSI tests and the report."""

from __future__ import annotations

#: CT phantom configurations A-E (IBSI-1 reference manual, "Configurations"), in radfeat settings.
CT_CONFIGS = {
    "A": dict(resegmentRange=[-500, 400], binWidth=25),
    "B": dict(resampledPixelSpacing=[2, 2, 0], interpolator="sitkLinear", roundIntensities=True,
              resegmentRange=[-500, 400], binCount=32),
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

TAGS.update({
    "glcm": {
        "MaximumProbability": "cm_joint_max", "JointAverage": "cm_joint_avg", "SumSquares": "cm_joint_var",
        "JointEntropy": "cm_joint_entr", "DifferenceAverage": "cm_diff_avg", "DifferenceVariance": "cm_diff_var",
        "DifferenceEntropy": "cm_diff_entr", "SumAverage": "cm_sum_avg", "SumEntropy": "cm_sum_entr",
        "JointEnergy": "cm_energy", "Contrast": "cm_contrast", "Id": "cm_inv_diff", "Idn": "cm_inv_diff_norm",
        "Idm": "cm_inv_diff_mom", "Idmn": "cm_inv_diff_mom_norm", "InverseVariance": "cm_inv_var",
        "Correlation": "cm_corr", "Autocorrelation": "cm_auto_corr", "ClusterTendency": "cm_clust_tend",
        "ClusterShade": "cm_clust_shade", "ClusterProminence": "cm_clust_prom", "Imc1": "cm_info_corr1",
        "Imc2": "cm_info_corr2",
    },
    "glrlm": {
        "ShortRunEmphasis": "rlm_sre", "LongRunEmphasis": "rlm_lre", "LowGrayLevelRunEmphasis": "rlm_lgre",
        "HighGrayLevelRunEmphasis": "rlm_hgre", "ShortRunLowGrayLevelEmphasis": "rlm_srlge",
        "ShortRunHighGrayLevelEmphasis": "rlm_srhge", "LongRunLowGrayLevelEmphasis": "rlm_lrlge",
        "LongRunHighGrayLevelEmphasis": "rlm_lrhge", "GrayLevelNonUniformity": "rlm_glnu",
        "GrayLevelNonUniformityNormalized": "rlm_glnu_norm", "RunLengthNonUniformity": "rlm_rlnu",
        "RunLengthNonUniformityNormalized": "rlm_rlnu_norm", "RunPercentage": "rlm_r_perc",
        "GrayLevelVariance": "rlm_gl_var", "RunVariance": "rlm_rl_var", "RunEntropy": "rlm_rl_entr",
    },
    "glszm": {
        "SmallAreaEmphasis": "szm_sze", "LargeAreaEmphasis": "szm_lze", "LowGrayLevelZoneEmphasis": "szm_lgze",
        "HighGrayLevelZoneEmphasis": "szm_hgze", "SmallAreaLowGrayLevelEmphasis": "szm_szlge",
        "SmallAreaHighGrayLevelEmphasis": "szm_szhge", "LargeAreaLowGrayLevelEmphasis": "szm_lzlge",
        "LargeAreaHighGrayLevelEmphasis": "szm_lzhge", "GrayLevelNonUniformity": "szm_glnu",
        "GrayLevelNonUniformityNormalized": "szm_glnu_norm", "SizeZoneNonUniformity": "szm_zsnu",
        "SizeZoneNonUniformityNormalized": "szm_zsnu_norm", "ZonePercentage": "szm_z_perc",
        "GrayLevelVariance": "szm_gl_var", "ZoneVariance": "szm_zs_var", "ZoneEntropy": "szm_zs_entr",
    },
    "gldm": {
        "SmallDependenceEmphasis": "ngl_lde", "LargeDependenceEmphasis": "ngl_hde",
        "LowGrayLevelEmphasis": "ngl_lgce", "HighGrayLevelEmphasis": "ngl_hgce",
        "SmallDependenceLowGrayLevelEmphasis": "ngl_ldlge", "SmallDependenceHighGrayLevelEmphasis": "ngl_ldhge",
        "LargeDependenceLowGrayLevelEmphasis": "ngl_hdlge", "LargeDependenceHighGrayLevelEmphasis": "ngl_hdhge",
        "GrayLevelNonUniformity": "ngl_glnu", "DependenceNonUniformity": "ngl_dcnu",
        "DependenceNonUniformityNormalized": "ngl_dcnu_norm", "GrayLevelVariance": "ngl_gl_var",
        "DependenceVariance": "ngl_dc_var", "DependenceEntropy": "ngl_dc_entr",
    },
    "ngtdm": {"Coarseness": "ngt_coarseness", "Contrast": "ngt_contrast", "Busyness": "ngt_busyness",
              "Complexity": "ngt_complexity", "Strength": "ngt_strength"},
})

#: textureAggregation -> IBSI tag suffix, for families with directions and without.
SUFFIX_DIRECTIONAL = {"3D_avg": "_3D_avg", "3D_comb": "_3D_comb", "2_5D_avg": "_2_5D_avg",
                      "2_5D_comb": "_2_5D_comb", "2D_avg": "_2D_avg", "2D_comb": "_2D_comb"}
SUFFIX_PLAIN = {"3D_avg": "_3D", "2_5D_avg": "_2_5D", "2D_avg": "_2D"}
DIRECTIONAL = {"glcm", "glrlm"}

#: Reference values radfeat misses, with the reason (also listed in the README).
KNOWN_EXCEPTIONS: dict = {}
