"""Installable package for tgan-music.

Install through `make test` / `make demo` (tools/bootstrap.sh): chainer 7.8.1's
sdist must be built with `--no-build-isolation` against setuptools < 74.
"""
from setuptools import find_packages, setup

setup(
    name="tgan-music",
    version="0.1.0",
    description="Music-conditioned video GAN (TGAN + NSynth WaveNet embeddings) in Chainer",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11,<3.12",
    packages=find_packages(include=["tgan_music", "tgan_music.*"]),
    include_package_data=True,
    package_data={"tgan_music": ["assets/*", "assets/**/*"]},
    install_requires=[
        "chainer==7.8.1",
        # chainer 7.8.1 needs numpy < 2 and imports numpy.distutils/pkg_resources.
        "numpy>=1.26,<1.27",
        "setuptools<74",
        "scipy>=1.11,<2",
        "scikit-video==1.1.11",
        "librosa>=0.10,<0.12",
        # librosa's peak picking (onset_detect) segfaults under numba 0.68 with numpy 1.26
        # (seen December 2026); 0.61 supports numpy 1.24-2.2.
        "numba>=0.59,<0.62",
        # CRC-32C of the TensorFlow checkpoint reader (tgan_music/embedding/crc32c.py).
        "google-crc32c>=1.5,<2",
        "soundfile>=0.12",
        "pyyaml>=6",
        "matplotlib>=3.7",
        "tqdm>=4.60",
        # The NSynth CPU path keeps BLAS single-threaded inside its own worker threads.
        "threadpoolctl>=3",
    ],
    extras_require={
        "gpu": ["cupy-cuda12x>=12,<14"],
        "mpi": ["mpi4py>=3.1"],
        "test": ["pytest>=7"],
        # The songs benchmark (`tgan-music dataset songs`): scores from the music21 corpus;
        # tools/bootstrap.sh installs FluidSynth and the GM soundfont with it.
        "songs": ["music21>=9,<11"],
        # `bench train --vs-torch` needs torch 2.13.0 (CPU): `EXTRAS=bench tools/bootstrap.sh` installs
        # it apart, since its wheel asks for a setuptools that chainer cannot have.
    },
    entry_points={"console_scripts": ["tgan-music=tgan_music.cli:main"]},
)
