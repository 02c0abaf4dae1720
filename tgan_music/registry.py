"""Name -> class/function registries, so configs choose components by name.

A config names a component as ``{name: NAME, args: {...}}``. The module that defines a
component registers it with a decorator; a registry imports the modules of its kind
(``COMPONENT_MODULES``) on its first lookup, so that nothing heavy (chainer) is imported
before a component is asked for, and importing a package registers nothing by itself.
"""
import importlib
import inspect

from tgan_music.errors import ConfigError

# The modules that define the components of each kind, imported on the kind's first lookup.
COMPONENT_MODULES = {
    "dataset": ("tgan_music.data.dataset",),
    "encoder": ("tgan_music.embedding.encoders",),
    "temporal": ("tgan_music.model.generator",),
    "image": ("tgan_music.model.generator",),
    "generator": ("tgan_music.model.generator",),
    "discriminator": ("tgan_music.model.discriminator",),
    "frame_discriminator": ("tgan_music.model.discriminator",),
    "sync": ("tgan_music.model.sync",),
    "loss": ("tgan_music.training.losses",),
    "metric": ("tgan_music.evaluation.scoring",),
}


class Registry:
    """A named table of components of one kind (e.g. 'generator', 'loss')."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}
        self._loaded = False

    def _load(self):
        """Imports the modules that register this kind's components (once)."""
        if not self._loaded:
            self._loaded = True
            for module in COMPONENT_MODULES.get(self.kind, ()):
                importlib.import_module(module)
        return self._entries

    def register(self, name):
        def decorator(obj):
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._entries[name] = obj
            return obj
        return decorator

    def names(self):
        return sorted(self._load())

    def __contains__(self, name):
        return name in self._load()

    def get(self, name, where=""):
        if name not in self._load():
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
        obj = self._load()[name]
        target = obj.__init__ if inspect.isclass(obj) else obj
        params = inspect.signature(target).parameters
        return {k: p for k, p in params.items() if p.kind == p.KEYWORD_ONLY}


_REGISTRIES = {}


def registry(kind):
    """The registry of one kind, created on first use."""
    if kind not in _REGISTRIES:
        _REGISTRIES[kind] = Registry(kind)
    return _REGISTRIES[kind]
