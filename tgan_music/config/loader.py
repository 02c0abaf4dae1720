"""Loading, merging, overriding and validating experiment configs."""
import copy
import os
import re

import yaml

from tgan_music.atomic import atomic_path
from tgan_music.config.schema import Component, Field, annotation_types, matches, type_name
from tgan_music.errors import ConfigError
from tgan_music.registry import registry


def schema():
    """The whole config schema, one section per pipeline stage."""
    # Here, not at the top: each defaults module imports tgan_music.config.schema, whose package
    # imports this module (a cycle).
    from tgan_music.data.defaults import SCHEMA as data
    from tgan_music.embedding.defaults import SCHEMA as embedding
    from tgan_music.model.defaults import SCHEMA as model
    from tgan_music.training.defaults import SCHEMA as train
    from tgan_music.evaluation.defaults import SCHEMA as evaluate
    from tgan_music.pipelines.defaults import SCHEMA as compare
    # Fresh dicts each call: callers may add to the tree without touching the stage modules.
    data, embedding, model, train, evaluate, compare = (
        copy.deepcopy(section) for section in (data, embedding, model, train, evaluate, compare))
    return {
        "name": Field(str, "experiment", doc="experiment name, used for result directories"),
        "description": Field(str, "", doc="free text"),
        "seed": Field(int, 0, doc="random seed of the whole run"),
        "data": data,
        "embedding": embedding,
        "model": model,
        "train": train,
        "evaluate": evaluate,
        "compare": compare,
    }


def schema_defaults(node=None):
    """The config made of the schema's defaults alone."""
    node = schema() if node is None else node
    if isinstance(node, dict):
        return {k: schema_defaults(v) for k, v in node.items()}
    return copy.deepcopy(node.default)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading floats as YAML 1.2 does: ``2e-4`` and ``1E3`` are numbers
    (YAML 1.1, PyYAML's default, wants a dot, so ``lr: 2e-4`` would be the string '2e-4')."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def _safe_load(stream):
    return yaml.load(stream, Loader=_Loader)


def _read_yaml(path):
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: config file not found; check the path (experiments/ lists the shipped ones)")
    try:
        with open(path, encoding="utf-8") as f:
            data = _safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{path}:{where} invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping of sections, got {type(data).__name__}")
    return data


def _merge(base, override, origins, source, prefix=""):
    """Deep-merges ``override`` into ``base`` (in place), recording each key's source file.

    A component whose ``name`` changes gets its ``args`` replaced, not merged."""
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        origins[dotted] = source
        if (isinstance(value, dict) and isinstance(base.get(key), dict)):
            if "name" in value and value.get("name") != base[key].get("name") and "args" in base[key]:
                base[key] = {"name": value["name"], "args": {}}
            _merge(base[key], value, origins, source, dotted + ".")
        else:
            base[key] = copy.deepcopy(value)
    return base


def _load_chain(path, seen=()):
    """Raw config of ``path`` with its ``extends:`` parents merged under it."""
    path = os.path.normpath(path)
    if path in seen:
        raise ConfigError(f"{path}: 'extends' loops back to itself ({' -> '.join(seen + (path,))})")
    data = _move_sections(_read_yaml(path), path)
    parents = data.pop("extends", None) or []
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ConfigError(f"{path}: key 'extends' must be a file name or a list of file names")
    merged, origins = {}, {}
    for parent in parents:
        parent_path = os.path.join(os.path.dirname(path), parent)
        parent_data, parent_origins = _load_chain(parent_path, seen + (path,))
        _merge(merged, parent_data, origins, None)
        origins.update(parent_origins)
    _merge(merged, data, origins, path)
    return merged, origins


def parse_override(text):
    """'train.batchsize=8' -> (['train', 'batchsize'], 8); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {text}: expected KEY=VALUE with a dotted key, e.g. train.batchsize=8")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {text}: empty key; use a dotted key such as train.batchsize")
    try:
        value = _safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


# Sections that earlier versions had and wrote into every result's config.yaml; a file that
# still has one loads with it ignored. ``generate``'s fps and scale were never read: they are
# `tgan-music generate` flags.
RETIRED_SECTIONS = ("generate",)

# Sections that moved: {old dotted key: new dotted key}. A file (or a --set) that still uses the
# old key loads as if it used the new one; results' config.yaml written before the move have it.
MOVED_SECTIONS = {"evaluate.compare": "compare"}


def _moved_key(keys):
    """``keys`` (a dotted key's parts) with a moved section's old prefix replaced by its new one."""
    for old, new in MOVED_SECTIONS.items():
        old_parts = old.split(".")
        if keys[:len(old_parts)] == old_parts:
            return new.split(".") + keys[len(old_parts):]
    return keys


def _move_sections(data, path):
    """The raw config of one file with its moved sections put where they are now."""
    for old, new in MOVED_SECTIONS.items():
        *parents, last = old.split(".")
        node = data
        for k in parents:
            node = node.get(k) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            continue
        value = node.pop(last)
        *new_parents, new_last = new.split(".")
        target = data
        for k in new_parents:
            target = target.setdefault(k, {})
        if new_last in target:
            raise ConfigError(f"{path}: both '{old}' (its earlier place) and '{new}' are set; keep '{new}' only")
        target[new_last] = value
    return data


def load_config(path=None, overrides=(), validate=True):
    """Loads ``path`` (or the defaults when None), applies ``overrides`` and validates.

    Returns a plain nested dict with every default filled in."""
    config = schema_defaults()
    origins = {}
    if path is not None:
        data, origins = _load_chain(path)
        for key in RETIRED_SECTIONS:
            data.pop(key, None)   # written by an earlier version into a result's config.yaml
        _merge(config, data, {}, path)
    for text in overrides:
        keys, value = parse_override(text)
        keys = _moved_key(keys)
        node = config
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        if keys[-1] == "name" and "args" in node and node.get("name") != value:
            # Another component: the old one's args do not apply to it (as with `extends`).
            node["args"] = {}
        node[keys[-1]] = value
        origins[".".join(keys)] = f"--set {text}"
    if validate:
        Validator(path or "<defaults>", origins).check(config, schema())
    return config


class Validator:
    def __init__(self, path, origins):
        self.path = path
        self.origins = origins

    def fail(self, key, message):
        # Name the file that set the key (or its closest parent) so the user knows what to edit.
        parts = key.split(".")
        source = None
        for i in range(len(parts), 0, -1):
            source = self.origins.get(".".join(parts[:i]))
            if source:
                break
        raise ConfigError(f"{source or self.path}: {message}")

    def check(self, config, node, prefix=""):
        for key in config:
            if key not in node:
                dotted = prefix + key
                self.fail(dotted, f"unknown key '{dotted}'; allowed under "
                          f"'{prefix[:-1] or '<top level>'}': {', '.join(sorted(node))}")
        for key, spec in node.items():
            dotted = prefix + key
            value = config[key]
            if isinstance(spec, dict):
                if not isinstance(value, dict):
                    self.fail(dotted, f"key '{dotted}' must be a mapping with keys: {', '.join(sorted(spec))}")
                self.check(value, spec, dotted + ".")
            elif isinstance(spec, Field):
                self.check_field(dotted, value, spec)
            elif isinstance(spec, Component):
                self.check_component(dotted, value, spec)

    def check_field(self, dotted, value, spec):
        if not matches(value, spec.types):
            self.fail(dotted, f"key '{dotted}' must be {spec.describe()}, got {type_name(type(value))} {value!r}")
        if spec.choices and value not in spec.choices:
            self.fail(dotted, f"key '{dotted}' is {value!r}; allowed: {', '.join(repr(c) for c in spec.choices)}")
        if spec.minimum is not None and isinstance(value, (int, float)) and value < spec.minimum:
            what = "positive" if spec.minimum == 1 else f"at least {spec.minimum}"
            off = " (0 = off)" if spec.minimum == 0 and "0 = off" in spec.doc else ""
            self.fail(dotted, f"key '{dotted}' is {value!r}; it must be {what}{off}")

    def check_component(self, dotted, value, spec):
        if not isinstance(value, dict) or "name" not in value:
            self.fail(dotted, f"key '{dotted}' must be a mapping {{name: ..., args: {{...}}}}")
        extra = set(value) - {"name", "args"}
        if extra:
            self.fail(dotted, f"unknown key '{dotted}.{sorted(extra)[0]}'; allowed under '{dotted}': args, name")
        if value["name"] == spec.default["name"] and (value.get("args") or {}) == spec.default["args"]:
            # the schema's own default (tests/config checks each default builds): looking it up would
            # import the component's module (chainer, scipy) just to read a config
            value["args"] = dict(spec.default["args"])
            return
        reg = registry(spec.kind)
        name = value["name"]
        if name not in reg:
            self.fail(dotted + ".name", f"key '{dotted}.name': unknown {spec.kind} {name!r}; "
                      f"allowed: {', '.join(reg.names())}")
        args = value.get("args") or {}
        if not isinstance(args, dict):
            self.fail(dotted + ".args", f"key '{dotted}.args' must be a mapping")
        value["args"] = args
        params = reg.parameters(name)
        for arg, arg_value in args.items():
            key = f"{dotted}.args.{arg}"
            if arg not in params:
                self.fail(key, f"unknown key '{key}'; {spec.kind} {name!r} takes: "
                          f"{', '.join(sorted(params)) or '(no arguments)'}")
            p = params[arg]
            default = None if p.default is p.empty else p.default
            types = annotation_types(p.annotation, default)
            if types is not None and not matches(arg_value, types):
                self.fail(key, f"key '{key}' must be {' or '.join(type_name(t) for t in types)}, "
                          f"got {type_name(type(arg_value))} {arg_value!r}")


def dump_config(config, path):
    """Writes a merged config as YAML (atomically)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False, default_flow_style=None)
