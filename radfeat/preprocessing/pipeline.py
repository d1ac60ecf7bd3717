"""The cleaning / enhancement / auto-segmentation steps of the parameter file, in a fixed order.

Order (each step only when its setting is given):

1. ``denoise``: ``median`` (``denoiseSize``), ``gaussian`` (``denoiseSigma`` in mm) or
   ``nlmeans`` (``nlmeansH``, ``nlmeansSigma``, ``nlmeansPatchSize``, ``nlmeansPatchDistance``);
2. ``clipIntensities: [low, high]`` or ``clipPercentiles: [pLow, pHigh]``;
3. ``autoSegment`` (``otsu`` | ``threshold``), only when no mask was given: threshold
   (``autoSegmentThreshold``, ``autoSegmentInvert``), drop components under
   ``autoSegmentMinSize``, keep the largest (``autoSegmentLargestComponent``), fill holes
   (``autoSegmentFillHoles``), connectivity ``autoSegmentConnectivity``;
4. ``equalize`` (``hist`` | ``clahe``; ``equalizeBins``, ``claheKernelSize``, ``claheClipLimit``).

They run on the image as read (colour images per channel, or on their value channel for
equalisation), before normalisation, resampling and discretisation. What each step did
(estimated noise, clip bounds, Otsu threshold, component sizes) is returned for provenance.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

__all__ = ["PREPROCESSING_SETTINGS", "preprocess"]

PREPROCESSING_SETTINGS = {
    "denoise": None, "denoiseSize": 3, "denoiseSigma": 1.0, "nlmeansH": None, "nlmeansSigma": None,
    "nlmeansPatchSize": 5, "nlmeansPatchDistance": 6,
    "clipIntensities": None, "clipPercentiles": None,
    "autoSegment": None, "autoSegmentThreshold": None, "autoSegmentInvert": False,
    "autoSegmentLargestComponent": True, "autoSegmentFillHoles": True, "autoSegmentMinSize": 0,
    "autoSegmentConnectivity": 1,
    "equalize": None, "equalizeBins": 256, "claheKernelSize": None, "claheClipLimit": 0.01,
}


def wanted(settings) -> bool:
    """Whether any preprocessing step is switched on."""
    return any(settings.get(k) is not None for k in ("denoise", "clipIntensities", "clipPercentiles",
                                                       "autoSegment", "equalize"))


def preprocess(image: sitk.Image, settings, *, segment: bool):
    """Run the enabled steps on ``image``.

    Returns
    -------
    image : SimpleITK.Image
        The processed image (same geometry).
    mask : SimpleITK.Image or None
        The automatic segmentation (label 1) when ``segment`` and ``autoSegment`` are set.
    info : dict
        What each step did, for the provenance sidecar.
    """
    from .enhance import clip_intensities, denoise, equalize
    from .segment import auto_segment

    rgb = image.GetNumberOfComponentsPerPixel() > 1
    axis = -1 if rgb else None
    arr = sitk.GetArrayFromImage(image)
    spacing = tuple(image.GetSpacing())[::-1]
    info, mask = {}, None
    s = settings
    if s.get("denoise"):
        params = {"median": {"size": s["denoiseSize"]}, "gaussian": {"sigma": s["denoiseSigma"]},
                  "nlmeans": {"h": s["nlmeansH"], "sigma": s["nlmeansSigma"], "patch_size": s["nlmeansPatchSize"],
                              "patch_distance": s["nlmeansPatchDistance"]}}.get(s["denoise"], {})
        arr, info["denoise"] = denoise(arr, s["denoise"], spacing=spacing, channel_axis=axis, return_info=True,
                                       **params)
    if s.get("clipIntensities") is not None or s.get("clipPercentiles") is not None:
        bounds, pct = (s["clipPercentiles"], True) if s.get("clipPercentiles") is not None else \
            (s["clipIntensities"], False)
        arr, info["clip"] = clip_intensities(arr, bounds[0], bounds[1], percentiles=pct, return_info=True)
    if segment and s.get("autoSegment"):
        seg, info["autoSegment"] = auto_segment(
            arr, s["autoSegment"], threshold=s["autoSegmentThreshold"], invert=s["autoSegmentInvert"],
            largest_component=s["autoSegmentLargestComponent"], fill_holes=s["autoSegmentFillHoles"],
            min_size=s["autoSegmentMinSize"], connectivity=s["autoSegmentConnectivity"], channel_axis=axis)
        mask = sitk.GetImageFromArray(seg.astype(np.uint32))
        mask.CopyInformation(image)
    if s.get("equalize"):
        arr, info["equalize"] = equalize(arr, s["equalize"], nbins=s["equalizeBins"], kernel_size=s["claheKernelSize"],
                                         clip_limit=s["claheClipLimit"], channel_axis=axis, return_info=True)
    out = sitk.GetImageFromArray(arr, isVector=rgb)
    out.CopyInformation(image)
    return out, mask, info
