"""One grey channel from a colour image, for the grey-level families (``colorChannel``)."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from ..exceptions import ConfigError

__all__ = ["grey_channel", "LUMINANCE_WEIGHTS", "CHANNELS"]

#: ITU-R BT.709 luma weights, the ones ``skimage.color.rgb2gray`` uses.
LUMINANCE_WEIGHTS = (0.2125, 0.7154, 0.0721)
CHANNELS = {"R": 0, "G": 1, "B": 2, "red": 0, "green": 1, "blue": 2}


def grey_channel(image: sitk.Image, channel="gray", name="image") -> sitk.Image:
    """A scalar image from an RGB one: a channel (``R``/``G``/``B`` or 0-2) or the luminance.

    ``gray`` (also ``luminance``, and the default when ``channel`` is None) gives
    ``Y = 0.2125 R + 0.7154 G + 0.0721 B`` on the original intensity scale (0-255 for 8-bit
    pictures), as float64; a single channel keeps its pixel type.
    """
    if channel is None or str(channel).lower() in ("gray", "grey", "luminance"):
        arr = sitk.GetArrayViewFromImage(image).astype(np.float64)
        grey = sitk.GetImageFromArray(arr @ np.array(LUMINANCE_WEIGHTS))
        grey.CopyInformation(image)
        return grey
    index = CHANNELS.get(channel, channel)
    if not isinstance(index, (int, np.integer)) or not 0 <= index < image.GetNumberOfComponentsPerPixel():
        raise ConfigError(f"{name}: colorChannel must be gray, R, G, B or 0-2, got {channel!r}")
    return sitk.VectorIndexSelectionCast(image, int(index))
