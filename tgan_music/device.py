"""Device selection: ``--device -1`` is the CPU (default), ``--device N`` GPU N through CuPy.

Code uses ``chainer.backend.get_array_module`` / ``to_cpu`` rather than ``.get()`` so
that every path also runs without a GPU.
"""
from tgan_music.errors import UserError


def cupy_available():
    try:
        import cupy  # noqa: F401
    except Exception:
        return False
    return True


def select_device(device_id):
    """Returns the chainer device for ``device_id`` and makes it current.

    Raises UserError with what to do when CuPy or the GPU is missing."""
    import chainer
    if device_id is None or int(device_id) < 0:
        return chainer.get_device("@numpy")
    device_id = int(device_id)
    try:
        import cupy
    except Exception:
        raise UserError(f"--device {device_id}: CuPy is not installed; install the GPU extra "
                        "(pip install -e '.[gpu]', CUDA 12) or use --device -1 for the CPU") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        raise UserError(f"--device {device_id}: no usable CUDA GPU ({type(e).__name__}); "
                        "use --device -1 for the CPU") from None
    if device_id >= count:
        raise UserError(f"--device {device_id}: only {count} GPU(s) visible (0..{count - 1}); "
                        "pick one of those or --device -1")
    device = chainer.get_device(f"@cupy:{device_id}")
    device.use()
    return device
