"""Feature families. Importing this package registers every family, in pyradiomics' class order."""

from .registry import Family, Feature, all_families, family_names, get_family  # noqa: F401

from . import color  # noqa: F401,E402
from . import firstorder  # noqa: F401,E402
from . import gabor  # noqa: F401,E402
from . import glcm  # noqa: F401,E402
from . import gldm  # noqa: F401,E402
from . import glrlm  # noqa: F401,E402
from . import glszm  # noqa: F401,E402
from . import haralick  # noqa: F401,E402
from . import lbp  # noqa: F401,E402
from . import ngtdm  # noqa: F401,E402
from . import shape  # noqa: F401,E402  (registers shape and shape2D)
