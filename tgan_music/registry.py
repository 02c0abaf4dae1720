"""Name -> class/function registries, so configs choose components by name.

A config names a component as ``{name: NAME, args: {...}}``. Each stage package
registers its components with a decorator when imported; ``load_components``
imports those packages explicitly (no path-based imports).
"""
import importlib
import inspect

from tgan_music.errors import ConfigError

# Stage packages whose import registers components (explicit list, in pipeline order).
COMPONENT_PACKAGES = (
    "tgan_music.data",
    "tgan_music.embedding",
    "tgan_music.model",
    "tgan_music.training",
    "tgan_music.evaluation",
)


class Registry:
    """A named table of components of one kind (e.g. 'generator', 'loss')."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name):
        def decorator(obj):
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._entries[name] = obj
            return obj
        return decorator

    def names(self):
        return sorted(self._entries)

    def __contains__(self, name):
        return name in self._entries

    def get(self, name, where=""):
        load_components()
        if name not in self._entries:
            raise ConfigError(
                f"{where}unknown {self.kind} {name!r}; allowed: {', '.join(self.names()) or '(none)'}")
        return self._entries[name]

    def build(self, spec, *extra, where="", **kwargs):
        """Instantiates ``spec = {name, args}`` with ``extra``/``kwargs`` added to its args."""
        obj = self.get(spec["name"], where)
        args = dict(spec.get("args") or {})
        args.update(kwargs)
        return obj(*extra, **args)

    def parameters(self, name):
        """The config-settable parameters of a component: {arg: inspect.Parameter}.

        By convention these are the keyword-only parameters (after ``*``); positional
        ones are supplied by the code that builds the component (shapes, sizes)."""
        obj = self._entries[name]
        target = obj.__init__ if inspect.isclass(obj) else obj
        params = inspect.signature(target).parameters
        return {k: p for k, p in params.items() if p.kind == p.KEYWORD_ONLY}


_REGISTRIES = {}


def registry(kind):
    """The registry of one kind, created on first use."""
    if kind not in _REGISTRIES:
        _REGISTRIES[kind] = Registry(kind)
    return _REGISTRIES[kind]


_loaded = False


def load_components():
    global _loaded
    if not _loaded:
        _loaded = True
        for package in COMPONENT_PACKAGES:
            importlib.import_module(package)
