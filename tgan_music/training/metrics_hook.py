"""The slot where evaluation metrics plug into training (``train.metrics``).

A metric is a component of ``registry("metric")``: built from ``{name, args}`` (its
keyword-only args are config-settable), then called as ``metric(context)`` with an
``EvaluationContext`` and returning ``{key: float}``; the values are reported as
``metrics/<key>`` (LogReport, PrintReport, log.json)."""
import chainer
import numpy as np
from chainer.training import extension

from tgan_music.errors import ConfigError
from tgan_music.registry import registry


class EvaluationContext:
    """What a metric may use: the generator, a dataset, the config, the device, and samples."""

    def __init__(self, gen, dataset, config, device, conditional):
        self.gen = gen
        self.dataset = dataset
        self.config = config
        self.device = device
        self.conditional = conditional

    def sample(self, n, seed=0, batchsize=8):
        """n generated clips for the music of n dataset examples (cycled), from a fixed seed.

        Returns (videos float32 (n, C, T, H, W) in [-1, 1] on the host, example indices)."""
        rng = np.random.RandomState(seed)
        indices = np.arange(n) % len(self.dataset)
        videos = []
        with chainer.using_config("train", False), chainer.no_backprop_mode():
            for start in range(0, n, batchsize):
                idx = indices[start:start + batchsize]
                z = self.device.send(self.gen.sample_z(len(idx), rng))
                m = None
                if self.conditional:
                    m = self.device.send(np.stack([self.dataset.embedding(int(i)) for i in idx]))
                videos.append(chainer.backend.CpuDevice().send(self.gen(z, m).array))
        return np.concatenate(videos), indices


def build_metrics(specs):
    """[(name, metric)] of a ``train.metrics`` list; unknown names stop at start-up."""
    if not isinstance(specs, (list, tuple)):
        raise ConfigError("train.metrics must be a list of {name, args}")
    metrics = []
    for k, spec in enumerate(specs):
        if not isinstance(spec, dict) or "name" not in spec:
            raise ConfigError(f"train.metrics[{k}] must be a mapping {{name: ..., args: {{...}}}}")
        metrics.append((spec["name"], registry("metric").build(spec, where=f"train.metrics[{k}]: ")))
    return metrics


class Metrics(extension.Extension):
    priority = extension.PRIORITY_WRITER

    def __init__(self, metrics, context):
        self.metrics = metrics
        self.context = context

    def __call__(self, trainer):
        values = {}
        for _, metric in self.metrics:
            for key, value in (metric(self.context) or {}).items():
                values[f"metrics/{key}"] = float(value)
        chainer.report(values)
