"""Matplotlib figures written as PNG files (headless Agg backend, atomic writes)."""
from tgan_music.atomic import atomic_path


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path, dpi=100):
    """Saves ``fig`` to ``path`` through a temporary file (an old PNG survives a failure) and closes it."""
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi)
    finally:
        pyplot().close(fig)
    return path
