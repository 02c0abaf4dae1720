"""scikit-video 1.1.11 on numpy >= 1.24.

skvideo still uses the aliases numpy removed in 1.24 (``np.float``, ``np.int``,
``np.bool`` ...). We restore them as the builtins they always were, then import
skvideo. Import skvideo only through here:

    from tgan_music.compat.skvideo import skvideo_io
"""
import shutil

import numpy as np

from tgan_music.errors import UserError

for _alias, _builtin in (("float", float), ("int", int), ("bool", bool), ("object", object),
                         ("complex", complex), ("str", str)):
    if _alias not in np.__dict__:
        setattr(np, _alias, _builtin)

for _tool in ("ffmpeg", "ffprobe"):
    if shutil.which(_tool) is None:
        raise UserError(f"{_tool} not found on PATH; scikit-video needs ffmpeg and ffprobe "
                        "(apt-get install ffmpeg, or run `make test`, which installs it)")

import skvideo  # noqa: E402
import skvideo.io as skvideo_io  # noqa: E402,F401
