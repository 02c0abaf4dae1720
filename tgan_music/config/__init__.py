"""Experiment configs: YAML files with ``extends:``, dotted ``--set`` overrides, strict checks.

    cfg = load_config("experiments/seed_conditional.yaml", ["train.batchsize=8"])
    cfg["train"]["batchsize"]  # -> 8

Unknown keys, wrong types and unknown component names raise ConfigError with one
line naming the file, the key and what is allowed.
"""
from tgan_music.config.loader import load_config, parse_override, schema_defaults, dump_config  # noqa: F401
