"""Building blocks of the config schema: typed fields and registry components.

Each stage package describes its own section in its ``defaults.py`` with these.
"""
import typing


class Field:
    """A typed leaf. ``types`` is a type or tuple of types; int is accepted where float is."""

    def __init__(self, types, default, choices=None, doc="", minimum=None):
        self.types = types if isinstance(types, tuple) else (types,)
        self.default = default
        self.choices = choices
        self.doc = doc
        self.minimum = minimum   # the smallest value allowed (numbers), None = any

    def describe(self):
        names = [type_name(t) for t in self.types]
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return " or ".join(names)


class Component:
    """A ``{name, args}`` node chosen from the registry of ``kind``."""

    def __init__(self, kind, name, args=None, doc=""):
        self.kind = kind
        self.default = {"name": name, "args": dict(args or {})}
        self.doc = doc


def type_name(t):
    return "null" if t is type(None) else getattr(t, "__name__", str(t))


def matches(value, types):
    """True when ``value`` is an instance of one of ``types`` (YAML-aware: int counts as float,
    bool does not count as int, list and tuple are interchangeable)."""
    for t in types:
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if t is int and isinstance(value, bool):
            continue
        if t in (list, tuple) and isinstance(value, (list, tuple)):
            return True
        if t is type(None) and value is None:
            return True
        if isinstance(t, type) and t is not type(None) and isinstance(value, t):
            return True
    return False


def annotation_types(annotation, default):
    """Accepted types of a component argument, from its annotation or else its default.

    Returns None when nothing is known (any value accepted)."""
    simple = (int, float, bool, str, list, tuple, dict, type(None))
    if annotation in simple:
        types = (annotation,)
    else:
        origin = typing.get_origin(annotation)
        if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            args = typing.get_args(annotation)
            flat = tuple(typing.get_origin(a) or a for a in args)
            types = flat if all(t in simple for t in flat) else None
        elif origin in (list, tuple, dict):
            types = (origin,)
        elif default is not None and type(default) in simple:
            types = (type(default),)
        else:
            return None
    if default is None and types is not None and type(None) not in types:
        types = types + (type(None),)
    return types
