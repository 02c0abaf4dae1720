"""The encoder of Magenta's NSynth WaveNet autoencoder (model h512_bo16) as a Chainer Chain.

Structure (REFERENCE.md section 4): mu-law quantisation, a non-causal k3 start conv 1->128,
30 residual layers (ReLU, dilated k3 conv with dilation 2^(i mod 10), ReLU, 1x1 conv added
to the stream), a 1x1 bottleneck 128->16 and average pooling over 512 samples:
(floor(N / 512), 16) at 31.25 frames/s for 16 kHz audio.

Two paths compute the same thing:

- ``forward`` uses Chainer functions (dilated ``convolution_nd``); it is the readable
  reference and is differentiable.
- ``encode`` is the inference path used everywhere else. It skips autograd and runs each
  dilated conv as three GEMMs, one per tap, over shifted views of a zero-padded time-major
  buffer (no im2col copy), in time blocks small enough that a layer's intermediate stays in
  cache. On the CPU, worker threads (one per core, single-threaded BLAS each) take whole clips
  of a batch, or contiguous time spans of one clip (meeting once per layer). Pooling comes before the (linear) bottleneck. Long audio is cut into chunks with
  margins wider than the receptive field, so memory is bounded and the result equals
  whole-file encoding.
"""
import contextlib
import hashlib
import os

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

HOP = 512
SAMPLE_RATE = 16000
WIDTH = 128
BOTTLENECK = 16
LAYERS = 30
DILATION_CYCLE = 10
MAX_DILATION = 2 ** (DILATION_CYCLE - 1)
# Each side of an output sample sees 1 (start conv) + sum of dilations = 1 + 3 * 1023 samples.
HALF_RECEPTIVE_FIELD = 1 + (LAYERS // DILATION_CYCLE) * (2 ** DILATION_CYCLE - 1)
RECEPTIVE_FIELD = 2 * HALF_RECEPTIVE_FIELD + 1  # 6,141
# Chunk margin: the half receptive field rounded up to whole frames, so chunks stay frame-aligned.
MARGIN = -(-HALF_RECEPTIVE_FIELD // HOP) * HOP  # 3,072


def layer_names():
    """Magenta's encoder layer names, in network order."""
    return (["ae_startconv"]
            + [f"ae_dilatedconv_{i}" for i in range(1, LAYERS + 1)]
            + [f"ae_res_{i}" for i in range(1, LAYERS + 1)]
            + ["ae_bottleneck"])


def dilation(i):
    """Dilation of residual layer ``i`` (0-based)."""
    return 2 ** (i % DILATION_CYCLE)


def mu_law(x):
    """Magenta's utils.mu_law then /128, in float32 as its graph computes it."""
    xp = chainer.backend.get_array_module(x)
    x = x.astype(np.float32, copy=False)
    out = xp.sign(x) * xp.log(np.float32(1) + np.float32(255) * xp.abs(x)) / np.float32(np.log(256.0))
    return xp.floor(out * np.float32(128)) / np.float32(128)


def trim(audio):
    """Audio trimmed (not padded) to a whole number of 512-sample frames, as Magenta does."""
    n = (audio.shape[-1] // HOP) * HOP
    return audio[..., :n]


class NSynthEncoder(chainer.Chain):
    """The h512_bo16 encoder. Weights are Chainer params named after Magenta's variables
    (``ae_dilatedconv_3/W`` ...), W in Chainer's (out, in, k) layout.

    A fresh instance has random weights (for benchmarks and tests); real ones come from
    ``tgan_music.embedding.checkpoint.load_nsynth``.
    """

    dims = BOTTLENECK
    sample_rate = SAMPLE_RATE
    hop = HOP
    frame_rate = SAMPLE_RATE / HOP
    # Time block of the CPU inference path: big enough for efficient GEMMs, small enough
    # that a layer's (block, 128) intermediates stay in cache.
    cpu_block = 4096
    # Core length of a chunk of long audio (10 s): about 1.5 KB of activations per sample.
    chunk = 160 * 1024
    # CPU worker threads of the inference path; None = every core this process may use.
    threads = None

    def __init__(self, seed=None):
        super().__init__()
        rng = np.random.RandomState(seed)

        def conv(name, cin, cout, k, d=1):
            bound = np.sqrt(1.0 / (cin * k))
            W = rng.uniform(-bound, bound, (cout, cin, k)).astype(np.float32)
            b = rng.uniform(-0.05, 0.05, cout).astype(np.float32)
            setattr(self, name, L.Convolution1D(cin, cout, k, pad=d * (k // 2), dilate=d, initialW=W,
                                                initial_bias=b))

        with self.init_scope():
            conv("ae_startconv", 1, WIDTH, 3)
            for i in range(LAYERS):
                conv(f"ae_dilatedconv_{i + 1}", WIDTH, WIDTH, 3, dilation(i))
                conv(f"ae_res_{i + 1}", WIDTH, WIDTH, 1)
            conv("ae_bottleneck", WIDTH, BOTTLENECK, 1)
        self.source = "random initialisation"
        self._sha256 = None

    # -- identity --------------------------------------------------------
    def weights_sha256(self):
        """SHA-256 of the weights (layer names + float32 little-endian bytes in network order),
        the same whether they came from the TF checkpoint or the converted .npz."""
        if self._sha256 is None:
            h = hashlib.sha256()
            for name in layer_names():
                link = getattr(self, name)
                for pname in ("W", "b"):
                    data = chainer.backends.cuda.to_cpu(getattr(link, pname).array)
                    h.update(f"{name}/{pname}{tuple(data.shape)}".encode())
                    h.update(np.ascontiguousarray(data, dtype="<f4").tobytes())
            self._sha256 = h.hexdigest()
        return self._sha256

    @property
    def encoder_id(self):
        return f"nsynth-{self.weights_sha256()[:12]}"

    def set_weights(self, weights):
        """``weights``: {layer name: (W (out, in, k), b (out,))} in Chainer layout."""
        for name, (W, b) in weights.items():
            link = getattr(self, name)
            link.W.array[...] = link.xp.asarray(W)
            link.b.array[...] = link.xp.asarray(b)
        self.weights_changed()

    def weights_changed(self):
        """Call after writing weights in place (e.g. chainer.serializers.load_npz): drops the
        cached hash and GEMM layouts."""
        self._sha256 = None
        self._taps_key = None

    # -- reference path (Chainer functions) ------------------------------
    def forward(self, audio):
        """(B, N) float32 audio -> (B, floor(N/512), 16) Variable, through Chainer functions."""
        x = mu_law(self.xp.asarray(trim(audio), dtype=np.float32))[:, None, :]
        en = self.ae_startconv(x)
        for i in range(LAYERS):
            d = getattr(self, f"ae_dilatedconv_{i + 1}")(F.relu(en))
            en = en + getattr(self, f"ae_res_{i + 1}")(F.relu(d))
        en = self.ae_bottleneck(en)
        en = F.average_pooling_nd(en, HOP, HOP)
        return F.transpose(en, (0, 2, 1))

    # -- inference path --------------------------------------------------
    def encode(self, audio, chunk=None):
        """(N,) float32 16 kHz mono in [-1, 1] -> float32 (floor(N/512), 16) on the chain's device.

        Audio longer than ``chunk`` samples (default ``self.chunk``) is encoded in chunks with
        ``MARGIN`` samples of context each side, so memory stays bounded."""
        audio = self._as_audio(audio, 1)
        with _single_threaded_blas(self.xp, self.workers):
            return self._encode_long(audio, chunk, self.workers)

    def encode_batch(self, audio, chunk=None):
        """(B, N) -> float32 (B, floor(N/512), 16). On the CPU the clips are shared out among
        the workers (one clip each at a time, no synchronisation between them)."""
        audio = self._as_audio(audio, 2)
        xp = self.xp
        out = xp.empty((audio.shape[0], audio.shape[1] // HOP, BOTTLENECK), dtype=np.float32)
        workers = self.workers
        with _single_threaded_blas(xp, workers):
            if workers > 1 and audio.shape[0] > 1:
                # Whole clips per worker; a clip left over when B % workers != 0 is split in time.
                whole = audio.shape[0] - audio.shape[0] % workers
                with _executor(workers) as pool:
                    results = pool.map(lambda i: self._encode_long(audio[i], chunk, 1), range(whole))
                    for i, frames in enumerate(results):
                        out[i] = frames
                for i in range(whole, audio.shape[0]):
                    out[i] = self._encode_long(audio[i], chunk, workers)
            else:
                for i in range(audio.shape[0]):
                    out[i] = self._encode_long(audio[i], chunk, workers)
        return out

    @property
    def workers(self):
        """CPU threads used by the inference path (1 on a GPU)."""
        if self.xp is not np:
            return 1
        if self.threads is not None:
            return max(1, int(self.threads))
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

    def _as_audio(self, audio, ndim):
        audio = trim(self.xp.asarray(audio, dtype=np.float32))
        if audio.ndim != ndim:
            raise ValueError(f"expected {'(N,)' if ndim == 1 else '(B, N)'} audio, got shape {audio.shape}")
        return audio

    def _encode_long(self, audio, chunk, workers):
        xp = self.xp
        chunk = max(HOP, (int(chunk or self.chunk) // HOP) * HOP)
        n = audio.shape[0]
        if n <= chunk + 2 * MARGIN:
            return self._encode_whole(audio, workers)
        out = xp.empty((n // HOP, BOTTLENECK), dtype=np.float32)
        for start in range(0, n, chunk):
            end = min(n, start + chunk)
            lo, hi = max(0, start - MARGIN), min(n, end + MARGIN)
            frames = self._encode_whole(audio[lo:hi], workers)
            first = (start - lo) // HOP
            out[start // HOP:end // HOP] = frames[first:first + (end - start) // HOP]
        return out

    def _taps(self):
        """Per-layer weights laid out for time-major GEMMs: (in, out) matrices and (out,) biases."""
        key = tuple(id(p.array) for p in self.params())  # changes with to_device
        if getattr(self, "_taps_key", None) != key:
            xp = self.xp

            def mat(W, k):
                return xp.ascontiguousarray(W.array[:, :, k].T)

            layers = []
            for i in range(LAYERS):
                dil = getattr(self, f"ae_dilatedconv_{i + 1}")
                res = getattr(self, f"ae_res_{i + 1}")
                layers.append((dilation(i), [mat(dil.W, k) for k in range(3)], dil.b.array,
                               mat(res.W, 0), res.b.array))
            self._taps_cache = layers
            self._taps_key = key
        return self._taps_cache

    def _encode_whole(self, audio, workers=1):
        xp = self.xp
        n = audio.shape[0]
        if n == 0:
            return xp.zeros((0, BOTTLENECK), dtype=np.float32)
        with chainer.no_backprop_mode():
            q = mu_law(audio)
            qp = xp.pad(q, 1)
            w = self.ae_startconv.W.array[:, 0, :]  # (128, 3)
            en = (qp[:-2, None] * w[:, 0] + qp[1:-1, None] * w[:, 1] + qp[2:, None] * w[:, 2]
                  + self.ae_startconv.b.array)
            en = xp.ascontiguousarray(en, dtype=np.float32)
            P = MAX_DILATION
            # ReLU of the stream, zero-padded by the largest dilation (the conv's zero padding),
            # double-buffered: layer i reads one while writing layer i+1's input into the other.
            relu_in = xp.zeros((n + 2 * P, WIDTH), dtype=np.float32)
            relu_out = xp.zeros((n + 2 * P, WIDTH), dtype=np.float32)
            xp.maximum(en, 0, out=relu_in[P:P + n])
            if xp is np:
                block = self.cpu_block
                # Contiguous runs of blocks, one per worker (each with its own scratch buffers).
                per = -(-n // (block * workers)) * block
                spans = [(s, min(n, s + per)) for s in range(0, n, per)]
            else:
                block, spans = n, [(0, n)]
            scratch = [(xp.empty((min(block, n), WIDTH), np.float32), xp.empty((min(block, n), WIDTH), np.float32))
                       for _ in spans]
            layers = self._taps()
            pool = _executor(len(spans)) if len(spans) > 1 else None
            try:
                for li, layer in enumerate(layers):
                    last = li == len(layers) - 1
                    jobs = [(lo, hi, block, layer, en, relu_in, None if last else relu_out, bufs)
                            for (lo, hi), bufs in zip(spans, scratch)]
                    if pool is None:
                        _residual_layer(*jobs[0])
                    else:
                        list(pool.map(lambda job: _residual_layer(*job), jobs))
                    relu_in, relu_out = relu_out, relu_in
            finally:
                if pool is not None:
                    pool.shutdown()
            pooled = en.reshape(n // HOP, HOP, WIDTH).mean(axis=1)
            wb = self.ae_bottleneck.W.array[:, :, 0]  # (16, 128)
            return (pooled @ wb.T + self.ae_bottleneck.b.array).astype(np.float32, copy=False)


def _residual_layer(lo, hi, block, layer, en, relu_in, relu_out, bufs):
    """One residual layer over samples [lo, hi), block by block: en += res(relu(dilconv(relu_in)));
    relu_out = relu(en). ``relu_in``/``relu_out`` are padded by MAX_DILATION rows each side."""
    dil, taps, b_dil, w_res, b_res = layer
    xp = chainer.backend.get_array_module(en)
    P = MAX_DILATION
    d_buf, t_buf = bufs
    for s in range(lo, hi, block):
        e = min(hi, s + block)
        m = e - s
        d, t = d_buf[:m], t_buf[:m]
        # The dilated conv: one GEMM per tap over a shifted view of the padded input.
        xp.matmul(relu_in[P + s - dil:P + e - dil], taps[0], out=d)
        xp.matmul(relu_in[P + s:P + e], taps[1], out=t)
        d += t
        xp.matmul(relu_in[P + s + dil:P + e + dil], taps[2], out=t)
        d += t
        d += b_dil
        xp.maximum(d, 0, out=d)
        xp.matmul(d, w_res, out=t)
        block_en = en[s:e]
        block_en += t
        block_en += b_res
        if relu_out is not None:
            xp.maximum(block_en, 0, out=relu_out[P + s:P + e])


def _executor(workers):
    from concurrent.futures import ThreadPoolExecutor
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nsynth")


@contextlib.contextmanager
def _single_threaded_blas(xp, workers):
    """With several worker threads, each BLAS call runs on one core: coarse-grained threads
    synchronise 30 times per clip instead of at every GEMM, which also holds up when other
    processes compete for the cores."""
    if xp is not np or workers <= 1:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
