"""Arguments shared by several subcommands: they live in :mod:`tgan_music.arguments`, where the
benchmarks can use them too without importing the command line."""
from tgan_music.arguments import add_config_arguments, add_device_argument, load_config_from_args  # noqa: F401
