"""The same training iteration in PyTorch, built from the config, for `bench train --vs-torch`.

No second model definition to keep in step: one Chainer iteration of the config (one D step,
one G step, as GANUpdater runs them) is recorded, and its graphs are replayed with torch ops.
Every Chainer function node becomes the torch op a PyTorch user would write (``conv3d``,
``conv_transpose2d``, ``batch_norm``, ``grid_sample``, ...), every Chainer parameter a torch
parameter with the same values, every data input (clips, music, z, DiffAugment's draws, the
detached fake clip) the recorded array. So whatever generator or discriminator the config builds,
the PyTorch side has the same layers, widths, shapes, losses and schedule:

- per iteration, each backward of the Chainer iteration in the same order (D's loss, then G's),
  each followed by its optimizer's step (Adam or RMSprop with Chainer's hyper-parameters);
- SVC of D every ``train.svc_freq`` iterations (per weight ``torch.linalg.svd``, BN gammas clamped);
- G_ema's moving average when ``train.ema`` is set.

The recording runs Chainer's own kernels (``train.cpu_kernels=chainer``) so that only Chainer's
function nodes appear; a node with no torch translation stops with its name. The replay's losses
equal Chainer's on the recorded inputs (tests/benchmarks/test_torch_mirror.py), which is what
makes the timing a like-for-like comparison. Within an iteration, values computed for an earlier
loss are reused by a later one, as Chainer reuses them (the fake clip of the D step is the recorded
array, as it is ``x_fake.array`` in Chainer).
"""
import contextlib
import tempfile

import chainer
import numpy as np

from tgan_music.errors import UserError


class _InputRecorder(chainer.FunctionHook):
    """Keeps the input arrays of every function applied, so that leaves can be replayed."""
    name = "tgan_music_torch_mirror_recorder"

    def __init__(self):
        self.inputs = {}

    def forward_preprocess(self, function, in_data):
        self.inputs[id(function)] = (function, tuple(in_data))


@contextlib.contextmanager
def _recording_calls():
    """Records, in order, every Variable.backward and optimizer update made inside the block."""
    events = []
    backward, update = chainer.Variable.backward, chainer.optimizer.GradientMethod.update

    def recording_backward(self, *args, **kwargs):
        events.append(("backward", self))
        return backward(self, *args, **kwargs)

    def recording_update(self, *args, **kwargs):
        events.append(("update", self))
        return update(self, *args, **kwargs)

    chainer.Variable.backward, chainer.optimizer.GradientMethod.update = recording_backward, recording_update
    try:
        yield events
    finally:
        chainer.Variable.backward, chainer.optimizer.GradientMethod.update = backward, update


class Recording:
    """One Chainer training iteration of a config: the losses it backpropagated (each with the
    optimizer that stepped after it), the input arrays of every function node, the networks.

    ``updater`` is left at the recorded state (past the sync loss's ramp), so timing its further
    updates times the very iteration the mirror replays."""

    def __init__(self, config, dataset):
        from tgan_music.model.links import get_cpu_kernels, set_cpu_kernels
        from tgan_music.training.trainer import build_trainer
        t = config["train"]
        if t["r1_gamma"]:
            raise UserError("bench train --vs-torch: train.r1_gamma is not mirrored yet (lazy R1 needs double "
                            "backprop on both sides); time it with r1_gamma=0")
        # One step of the sync expert: its weights do not change what an iteration costs.
        config = dict(config, train=dict(t, cpu_kernels="chainer", preview_interval=0, sync_iterations=1))
        kernels = get_cpu_kernels()   # build_trainer sets the process-wide choice; given back below
        self._dir = tempfile.TemporaryDirectory()
        trainer, parts = build_trainer(config, self._dir.name, chainer.get_device("@numpy"), dataset=dataset,
                                       quiet=True)
        self.updater = up = parts["updater"]
        # The steady state: past the picture warm-up and sync_start's ramp, so that D's step and the
        # sync expert's loss are in the graph.
        up.iteration = max(up.iteration, up.frame_warmup + 2 * up.sync_start + 1)
        self.iteration = up.iteration   # SVC is due by this count, on both sides
        # The weights the recorded iteration starts from (its updates change them in place).
        self.weights = {id(p): p.array.copy() for opt in up.get_all_optimizers().values()
                        for p in opt.target.params()}
        recorder = _InputRecorder()
        try:
            with _recording_calls() as events, recorder:
                up.update()
        finally:
            set_cpu_kernels(kernels)
        self.inputs = recorder.inputs
        self.steps = []           # [(loss variable, optimizer)]
        pending = []
        for kind, obj in events:
            if kind == "backward":
                pending.append(obj)
            else:   # an update steps after the backward(s) before it
                self.steps += [(loss, obj) for loss in pending]
                pending = []
        if not self.steps:
            raise UserError("bench train --vs-torch: the recorded iteration made no optimizer step")
        self.svc_freq = config["train"]["svc_freq"]
        # GANUpdater clips with clip_singular_values' defaults
        from tgan_music.model.svc import clip_singular_values
        self.svc_bn_min_ratio = clip_singular_values.__kwdefaults__["bn_min_ratio"]
        self.gen, self.dis, self.gen_ema, self.ema_beta = up.gen, up.dis, up.gen_ema, up.ema_beta
        self.losses = [float(loss.array) for loss, _ in self.steps]

    def close(self):
        self._dir.cleanup()


def _nodes(loss):
    """The function nodes that ``loss`` depends on, in an order where inputs come first."""
    seen, stack, nodes = set(), [loss.creator_node], []
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        nodes.append(f)
        stack.extend(x.creator_node for x in f.inputs)
    return sorted(nodes, key=lambda f: f.rank)


class TorchIteration:
    """The recorded iteration as torch ops: ``step()`` runs one and returns its losses."""

    def __init__(self, recording):
        import torch
        self.torch = torch
        self.rec = recording
        self.programs = [_nodes(loss) for loss, _ in recording.steps]
        self.outputs = [id(loss.node) for loss, _ in recording.steps]
        self.params = {}          # id(chainer Parameter) -> torch tensor
        self.leaves = {}          # (id(node), input index) -> torch tensor
        groups = {id(opt): [] for _, opt in recording.steps}
        owner = {}
        for _, opt in recording.steps:
            for p in opt.target.params():
                owner.setdefault(id(p), id(opt))
        self.bn_stats = {}        # id(BN node) -> (running mean, running var), torch copies
        for program in self.programs:
            for f in program:
                _, arrays = recording.inputs[id(f)]
                for i, x in enumerate(f.inputs):
                    if x.creator_node is not None:
                        continue
                    var = x.get_variable_or_none()
                    if isinstance(var, chainer.Parameter):
                        if id(var) not in self.params:
                            train = id(var) in owner and var.update_rule is not None and var.update_rule.enabled
                            start = recording.weights.get(id(var), var.array)
                            tensor = torch.tensor(np.asarray(start), requires_grad=train)
                            self.params[id(var)] = tensor
                            if train:
                                groups[owner[id(var)]].append(tensor)
                    else:
                        self.leaves[(id(f), i)] = torch.as_tensor(np.asarray(arrays[i]))
                if _kind(f) == "BatchNormalization" and f.running_mean is not None:
                    self.bn_stats[id(f)] = (torch.tensor(np.asarray(f.running_mean)),
                                            torch.tensor(np.asarray(f.running_var)))
        self.optimizers = [_torch_optimizer(torch, opt, groups[id(opt)]) for _, opt in recording.steps]
        self._svc = self._svc_plan()
        self._ema = None
        if recording.gen_ema is not None:
            gen_ids = {id(p) for p in recording.gen.params()}
            self._ema = [(t, t.detach().clone()) for k, t in self.params.items() if k in gen_ids]
        self.iteration = recording.iteration

    # -- sizes -----------------------------------------------------------------------------
    def parameter_count(self, link=None):
        """Elements of the torch parameters (of ``link``'s Chainer parameters only, when given)."""
        ids = None if link is None else {id(p) for p in link.params()}
        return sum(t.numel() for k, t in self.params.items() if ids is None or k in ids)

    # -- one iteration -----------------------------------------------------------------------
    def _run(self, k, values):
        """Loss ``k`` of the iteration; ``values`` holds what earlier losses computed."""
        program = self.programs[k]
        for f in program:
            if id(f) in values:
                continue
            args = []
            for i, x in enumerate(f.inputs):
                if x.creator_node is None:
                    var = x.get_variable_or_none()
                    args.append(self.params[id(var)] if isinstance(var, chainer.Parameter) else self.leaves[(id(f), i)])
                else:
                    args.append(values[id(x)])
            outs = _translate(self.torch, f, args, self)
            values[id(f)] = True
            for ref, y in zip(f.outputs, outs):
                node = ref()
                if node is not None:
                    values[id(node)] = y
        return values[self.outputs[k]]

    def step(self):
        """One iteration; returns its losses (the first equals the recorded Chainer iteration's)."""
        values, losses = {}, []
        last = len(self.programs) - 1
        for k, opt in enumerate(self.optimizers):
            loss = self._run(k, values)
            losses.append(float(loss.detach()))
            for o in self.optimizers:
                o.zero_grad(set_to_none=True)
            loss.backward(retain_graph=k < last)
            opt.step()
            if k == 0 and self.rec.svc_freq and (self.iteration + 1) % self.rec.svc_freq == 0:
                self.clip_singular_values()
        if self._ema is not None:
            with self.torch.no_grad():
                for p, q in self._ema:
                    q.lerp_(p, 1 - self.rec.ema_beta)
        self.iteration += 1
        return losses

    # -- SVC -----------------------------------------------------------------------------
    def _svc_plan(self):
        """D's weights with two or more axes, and (gamma, running var, eps) of its BN layers."""
        dis_ids = {id(p) for p in self.rec.dis.params()}
        weights = [t for k, t in self.params.items() if k in dis_ids and t.dim() >= 2]
        gammas = []
        for program in self.programs:
            for f in program:
                if _kind(f) == "BatchNormalization" and id(f) in self.bn_stats:
                    var = f.inputs[1].get_variable_or_none()
                    if isinstance(var, chainer.Parameter) and id(var) in dis_ids:
                        gammas.append((self.params[id(var)], self.bn_stats[id(f)][1], f.eps))
        return weights, gammas

    def clip_singular_values(self):
        torch = self.torch
        weights, gammas = self._svc
        with torch.no_grad():
            for w in weights:
                m = w.reshape(w.shape[0], -1)
                u, s, vh = torch.linalg.svd(m, full_matrices=False)
                if float(s[0]) > 1:
                    w.copy_(((u * s.clamp(max=1)) @ vh).reshape(w.shape))
            for gamma, var, eps in gammas:
                s = torch.sqrt(var + eps)
                gamma.copy_(torch.minimum(torch.maximum(gamma, self.rec.svc_bn_min_ratio * s), s))


def _torch_optimizer(torch, opt, params):
    if isinstance(opt, chainer.optimizers.Adam):
        if opt.amsgrad or opt.weight_decay_rate:
            raise UserError("bench train --vs-torch: Adam with amsgrad or weight decay is not mirrored")
        return torch.optim.Adam(params, lr=opt.alpha, betas=(opt.beta1, opt.beta2), eps=opt.eps)
    if isinstance(opt, chainer.optimizers.RMSprop):
        return torch.optim.RMSprop(params, lr=opt.lr, alpha=opt.alpha, eps=opt.eps)
    raise UserError(f"bench train --vs-torch: the optimizer {type(opt).__name__} is not mirrored (Adam, RMSprop)")


def _kind(f):
    inner = getattr(f, "_function", None)   # an old-style Function, wrapped
    return type(inner if inner is not None else f).__name__


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _conv(torch, x, w, b, stride, pad, dilate, groups):
    fn = {3: torch.nn.functional.conv1d, 4: torch.nn.functional.conv2d, 5: torch.nn.functional.conv3d}[x.dim()]
    return fn(x, w, b, stride=stride, padding=pad, dilation=dilate, groups=groups)


def _deconv(torch, f, x, w, b, stride, pad, dilate, groups):
    fn = {3: torch.nn.functional.conv_transpose1d, 4: torch.nn.functional.conv_transpose2d,
          5: torch.nn.functional.conv_transpose3d}[x.dim()]
    out = f.outputs[0]()
    n = x.dim() - 2
    k = w.shape[2:]
    default = [(x.shape[2 + i] - 1) * stride[i] - 2 * pad[i] + dilate[i] * (k[i] - 1) + 1 for i in range(n)]
    extra = [0] * n if out is None else [out.shape[2 + i] - default[i] for i in range(n)]
    return fn(x, w, b, stride=stride, padding=pad, output_padding=tuple(extra), groups=groups, dilation=dilate)


def _index(torch, slices):
    def one(s):
        if isinstance(s, np.ndarray):
            return torch.as_tensor(s)
        return s
    return tuple(one(s) for s in slices) if isinstance(slices, tuple) else one(slices)


def _batch_norm(torch, f, x, gamma, beta, mirror):
    axis = f.axis if getattr(f, "axis", None) is not None else (0,) + tuple(range(2, x.dim()))
    if tuple(axis) == (0,) + tuple(range(2, x.dim())):
        mean, var = mirror.bn_stats.get(id(f), (None, None))
        return torch.nn.functional.batch_norm(x, mean, var, gamma, beta, training=True, momentum=1 - f.decay,
                                              eps=f.eps)
    mean = x.mean(dim=axis, keepdim=True)
    var = x.var(dim=axis, unbiased=False, keepdim=True)
    shape = [1 if i in axis else x.shape[i] for i in range(x.dim())]
    return (x - mean) / torch.sqrt(var + f.eps) * gamma.reshape(shape) + beta.reshape(shape)


def _translate(torch, f, a, mirror):
    """Outputs (a tuple) of Chainer function node ``f`` applied, as torch ops, to tensors ``a``."""
    nn = torch.nn.functional
    kind = _kind(f)
    x = a[0] if a else None
    if kind in ("ConvolutionND", "Convolution2DFunction"):
        n = x.dim() - 2
        if kind == "ConvolutionND":
            stride, pad, dilate, cover = f.stride, f.pad, f.dilate, f.cover_all
        else:
            stride, pad, dilate, cover = (f.sy, f.sx), (f.ph, f.pw), (f.dy, f.dx), f.cover_all
        if cover:
            raise UserError("bench train --vs-torch: a convolution with cover_all=True has no torch mirror")
        return (_conv(torch, x, a[1], a[2] if len(a) > 2 else None, _tuple(stride, n), _tuple(pad, n),
                      _tuple(dilate, n), f.groups),)
    if kind in ("DeconvolutionND", "Deconvolution2DFunction"):
        n = x.dim() - 2
        if kind == "DeconvolutionND":
            stride, pad, dilate = f.stride, f.pad, f.dilate
        else:
            stride, pad, dilate = (f.sy, f.sx), (f.ph, f.pw), (f.dy, f.dx)
        return (_deconv(torch, f, x, a[1], a[2] if len(a) > 2 else None, _tuple(stride, n), _tuple(pad, n),
                        _tuple(dilate, n), f.groups),)
    if kind == "LinearFunction":
        return (nn.linear(x.reshape(x.shape[0], -1) if x.dim() > 2 else x, a[1], a[2] if len(a) > 2 else None),)
    if kind == "BatchNormalization":
        return (_batch_norm(torch, f, x, a[1], a[2], mirror),)
    if kind == "SampleSources":      # tgan_music.model.warp: sources at grids, one source per output
        return (nn.grid_sample(x[torch.as_tensor(f.index)], a[1].permute(0, 2, 3, 1), mode="bilinear",
                               padding_mode="zeros", align_corners=True),)
    if kind == "Translate":          # tgan_music.training.augment: DiffAugment's per-clip move, zero filled
        h, w = x.shape[-2:]
        dh, dw = min(h, int(np.abs(f.sy).max())), min(w, int(np.abs(f.sx).max()))
        padded = nn.pad(x, (dw, dw, dh, dh))
        sy, sx = np.clip(f.sy, -dh, dh).tolist(), np.clip(f.sx, -dw, dw).tolist()
        return (torch.cat([padded[i:i + 1, ..., dh + y:dh + y + h, dw + q:dw + q + w]
                           for i, (y, q) in enumerate(zip(sy, sx))]),)
    if kind == "SpatialTransformerGrid":
        h, w = f._function.output_shape
        grid = nn.affine_grid(x, (x.shape[0], 1, h, w), align_corners=True)
        return (grid.permute(0, 3, 1, 2),)
    unary = {
        "ReLU": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Neg": torch.neg, "Exp": torch.exp,
        "Log": torch.log, "Sqrt": torch.sqrt, "Absolute": torch.abs, "Sin": torch.sin, "Cos": torch.cos,
        "Square": torch.square,
    }
    if kind in unary:
        return (unary[kind](x),)
    binary = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div, "Maximum": torch.maximum,
              "Minimum": torch.minimum}
    if kind in binary:
        return (binary[kind](x, a[1]),)
    if kind == "LeakyReLU":
        return (nn.leaky_relu(x, f.slope),)
    if kind == "Softplus":
        return (nn.softplus(x, beta=f.beta),)
    if kind in ("AddConstant", "MulConstant", "SubFromConstant", "DivFromConstant", "PowVarConst"):
        value = f.value
        if isinstance(value, np.ndarray):
            value = torch.as_tensor(value)
        return ({"AddConstant": lambda: x + value, "MulConstant": lambda: x * value,
                 "SubFromConstant": lambda: value - x, "DivFromConstant": lambda: value / x,
                 "PowVarConst": lambda: x ** value}[kind](),)
    if kind == "Clip":
        return (torch.clamp(x, f.x_min, f.x_max),)
    if kind == "Reshape":
        return (x.reshape(f.shape),)
    if kind == "Transpose":
        return (x.permute(*(f.axes if f.axes is not None else reversed(range(x.dim())))),)
    if kind == "BroadcastTo":
        return (x.expand(*f._shape),)
    if kind == "ExpandDims":
        return (x.unsqueeze(f.axis),)
    if kind == "Squeeze":
        if f.axis is None:
            return (x.squeeze(),)
        axes = sorted((ax % x.dim() for ax in _tuple(f.axis, 1)), reverse=True)
        for ax in axes:
            x = x.squeeze(ax)
        return (x,)
    if kind == "Concat":
        return (torch.cat(a, dim=f.axis),)
    if kind == "Stack":
        return (torch.stack(a, dim=f.axis),)
    if kind == "SplitAxis":
        sizes = np.diff([0] + list(f.indices_or_sections) + [x.shape[f.axis]]).tolist() \
            if not isinstance(f.indices_or_sections, int) else x.shape[f.axis] // f.indices_or_sections
        return tuple(torch.split(x, sizes, dim=f.axis))
    if kind == "Separate":
        return tuple(torch.unbind(x, dim=f.axis))
    if kind == "PickFrames":         # tgan_music.model.functions: the frame D's frames of each clip
        n, count = f.times.shape
        return (x[torch.as_tensor(np.repeat(np.arange(n), count)), :, torch.as_tensor(f.times.ravel())],)
    if kind in ("GetItem", "BasicSlice"):   # BasicSlice: tgan_music.model.functions.get_item
        return (x[_index(torch, f.slices)],)
    if kind == "Pad":
        if f.mode != "constant":
            raise UserError(f"bench train --vs-torch: pad mode {f.mode!r} has no torch mirror here")
        widths = np.broadcast_to(np.asarray(f.pad_width), (x.dim(), 2))
        flat = [int(v) for pair in reversed(widths.tolist()) for v in pair]
        return (nn.pad(x, flat, value=float(f.keywords.get("constant_values", 0))),)
    if kind in ("Sum", "Mean"):
        axis = f.axis
        keep = getattr(f, "keepdims", False)
        fn = torch.sum if kind == "Sum" else torch.mean
        return ((fn(x) if axis is None and not keep else fn(x, dim=tuple(range(x.dim())) if axis is None
                                                            else _tuple(axis, 1), keepdim=keep)),)
    if kind == "MatMul":
        xa = x.transpose(-1, -2) if f.transa else x
        xb = a[1].transpose(-1, -2) if f.transb else a[1]
        return (torch.matmul(xa, xb),)
    raise UserError(f"bench train --vs-torch: Chainer's {kind} ({type(f).__module__}) has no torch translation "
                    "yet; add one to tgan_music/benchmarks/torch_mirror.py _translate")


# -- per layer ---------------------------------------------------------------------------------
CONV_KINDS = ("ConvolutionND", "Convolution2DFunction", "DeconvolutionND", "Deconvolution2DFunction")


def _geometry(f, x):
    """(stride, pad, dilate) of a convolution or deconvolution node."""
    n = x.ndim - 2
    if f.__class__.__name__.endswith("2DFunction"):
        return (f.sy, f.sx), (f.ph, f.pw), (f.dy, f.dx)
    return _tuple(f.stride, n), _tuple(f.pad, n), _tuple(f.dilate, n)


def layer_times(recording, repeats=3):
    """[(label, count per iteration, chainer native s, torch s)] of every distinct convolution and
    deconvolution of the recorded iteration, forward + backward (input and weight gradients), each
    the best of ``repeats``; Chainer's side runs the project's kernels (tgan_music.model.kernels)."""
    import time

    import torch

    from tgan_music.model import kernels

    seen = {}
    for loss, _ in recording.steps:
        for f in _nodes(loss):
            if _kind(f) not in CONV_KINDS:
                continue
            _, arrays = recording.inputs[id(f)]
            x, w = arrays[0], arrays[1]
            stride, pad, dilate = _geometry(f, x)
            out = f.outputs[0]()
            deconv = _kind(f).startswith("Deconvolution")
            key = (deconv, x.shape, w.shape, stride, pad, dilate, None if out is None else out.shape)
            seen.setdefault(key, [f, x, w, 0])[3] += 1
    rows = []
    for (deconv, xs, ws, stride, pad, dilate, ys), (f, x, w, count) in seen.items():
        xv, wv = np.asarray(x, np.float32), np.asarray(w, np.float32)

        def ours():
            xc, wc = chainer.Variable(xv.copy()), chainer.Variable(wv.copy())
            if deconv:
                y = kernels.deconvolution_nd(xc, wc, None, stride, pad, outsize=None if ys is None else ys[2:],
                                             dilate=dilate)
            else:
                y = kernels.convolution_nd(xc, wc, None, stride, pad, dilate=dilate)
            y.grad = np.ones_like(y.array)
            y.backward()

        xt, wt = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)

        def theirs():
            xt.grad = wt.grad = None
            if deconv:
                y = _deconv(torch, f, xt, wt, None, stride, pad, dilate, 1)
            else:
                y = _conv(torch, xt, wt, None, stride, pad, dilate, 1)
            y.backward(torch.ones_like(y))

        times = []
        for fn in (ours, theirs):
            fn()   # warm-up
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            times.append(best)
        name = "deconv" if deconv else "conv"
        label = (f"{name}{len(stride)}d {xs[1]}->{ws[0] if not deconv else ws[1]} k{ws[2]} at {tuple(xs[2:])} "
                 f"s{stride[0]}" + (f" d{dilate[0]}" if max(dilate) > 1 else ""))
        rows.append((label, count, times[0], times[1]))
    return sorted(rows, key=lambda r: -r[1] * r[2])
