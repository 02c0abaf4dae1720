"""Finding and loading NSynth encoder weights: Magenta's TF checkpoint or the converted .npz.

``--checkpoint`` accepts the checkpoint prefix (``.../model.ckpt-200000``), its ``.index`` or
``.data-*`` file, the directory holding it (read through TF's ``checkpoint`` pointer file),
or a Chainer .npz written by ``tools/convert_nsynth_checkpoint.py``. From the TF files only
the encoder's ``ae_*/W`` and ``ae_*/biases`` are read; the decoder, optimizer slots, moving
averages and other dtypes are skipped.
"""
import os
import re
import zipfile

import chainer
import numpy as np

from tgan_music.atomic import atomic_path
from tgan_music.embedding.nsynth import BOTTLENECK, WIDTH, NSynthEncoder, layer_names
from tgan_music.embedding.tensor_bundle import CheckpointError, TensorBundle
from tgan_music.errors import UserError

WHERE_TO_GET = ("Magenta publishes the pretrained NSynth WaveNet checkpoint as wavenet-ckpt.tar "
                "(linked from the NSynth README of magenta/models/nsynth, about 1 GB); unpack it and "
                "pass --checkpoint wavenet-ckpt/model.ckpt-200000 (the prefix of the .index/.data-* "
                "pair), or a .npz made from it with tools/convert_nsynth_checkpoint.py; "
                "--encoder librosa needs no checkpoint")


def missing_checkpoint_message(what="the NSynth encoder"):
    return f"{what} needs its weights (--checkpoint, or embedding.encoder.args.checkpoint in a config). {WHERE_TO_GET}"


def expected_shapes():
    """{layer: (W shape in Chainer layout (out, in, k), b shape)}."""
    shapes = {"ae_startconv": ((WIDTH, 1, 3), (WIDTH,)), "ae_bottleneck": ((BOTTLENECK, WIDTH, 1), (BOTTLENECK,))}
    for name in layer_names():
        if name.startswith("ae_dilatedconv_"):
            shapes[name] = ((WIDTH, WIDTH, 3), (WIDTH,))
        elif name.startswith("ae_res_"):
            shapes[name] = ((WIDTH, WIDTH, 1), (WIDTH,))
    return shapes


def resolve(path):
    """('npz' | 'tf', path or prefix) for a --checkpoint value; UserError when there is nothing."""
    if path is None or str(path).strip() == "":
        raise UserError(missing_checkpoint_message())
    path = os.path.expanduser(str(path))
    if path.endswith(".npz"):
        if not os.path.isfile(path):
            raise UserError(f"{path}: checkpoint .npz not found. {WHERE_TO_GET}")
        return "npz", path
    if os.path.isdir(path):
        pointer = os.path.join(path, "checkpoint")
        prefix = None
        if os.path.isfile(pointer):
            with open(pointer, encoding="utf-8", errors="replace") as f:
                m = re.search(r'^model_checkpoint_path:\s*"(.*)"', f.read(), re.M)
            if m:
                prefix = m.group(1) if os.path.isabs(m.group(1)) else os.path.join(path, m.group(1))
        if prefix is None:
            indexes = sorted(f for f in os.listdir(path) if f.endswith(".index"))
            if len(indexes) == 1:
                prefix = os.path.join(path, indexes[0][:-len(".index")])
            else:
                raise UserError(f"{path}: a directory with {len(indexes)} checkpoint .index files; "
                                "pass the prefix itself, e.g. DIR/model.ckpt-200000")
        path = prefix
    path = re.sub(r"(\.index|\.data-\d{5}-of-\d{5})$", "", path)
    if not os.path.isfile(path + ".index"):
        raise UserError(f"{path}: no TensorFlow checkpoint here (expected {os.path.basename(path)}.index "
                        f"and .data-* files). {WHERE_TO_GET}")
    return "tf", path


def read_tf_weights(prefix):
    """{layer: (W (out, in, k), b)} from a tensor bundle, taking only the encoder's variables."""
    bundle = TensorBundle(prefix)
    shapes = expected_shapes()
    weights, missing = {}, []
    for layer, (w_shape, b_shape) in shapes.items():
        arrays = []
        for var in (f"{layer}/W", f"{layer}/biases"):
            entry = bundle.entries.get(var)
            if entry is None or entry.numpy_dtype is not np.float32:
                missing.append(var)
                continue
            arrays.append(bundle.read(var))
        if len(arrays) < 2:
            continue
        W, b = arrays
        # TF layout [1, k, in, out] -> Chainer (out, in, k); both are cross-correlations.
        if W.ndim != 4 or W.shape[0] != 1:
            raise CheckpointError(f"{prefix}: {layer}/W has shape {list(W.shape)}, expected [1, k, in, out]")
        W = np.ascontiguousarray(W[0].transpose(2, 1, 0))
        if W.shape != w_shape or b.shape != b_shape:
            raise CheckpointError(f"{prefix}: {layer} has W {W.shape} / b {b.shape} (Chainer layout), "
                                  f"expected {w_shape} / {b_shape}; is this the h512_bo16 model?")
        weights[layer] = (W, b)
    if missing:
        raise CheckpointError(f"{prefix}: not an NSynth h512_bo16 checkpoint: {len(missing)} encoder "
                              f"variables missing (e.g. {', '.join(missing[:3])}). {WHERE_TO_GET}")
    return weights


def load_nsynth(path, device=None):
    """An ``NSynthEncoder`` holding the weights at ``path`` (see ``resolve``)."""
    kind, path = resolve(path)
    encoder = NSynthEncoder()
    if kind == "tf":
        encoder.set_weights(read_tf_weights(path))
    else:
        try:
            with np.load(path) as data:
                keys = set(data.files)
                want = {f"{layer}/{p}" for layer in layer_names() for p in ("W", "b")}
                if not want <= keys:
                    missing = sorted(want - keys)
                    raise CheckpointError(f"{path}: not an NSynth encoder .npz ({len(missing)} arrays missing, "
                                          f"e.g. {missing[0]}); make one with tools/convert_nsynth_checkpoint.py")
            chainer.serializers.load_npz(path, encoder)
            encoder.weights_changed()
        except CheckpointError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as e:
            raise CheckpointError(f"{path}: damaged .npz ({type(e).__name__}: {e}); convert the "
                                  "checkpoint again with tools/convert_nsynth_checkpoint.py") from None
    encoder.source = path
    if device is not None:
        encoder.to_device(device)
    return encoder


def save_npz(encoder, path):
    """Writes the encoder's weights as a Chainer .npz (atomically)."""
    with atomic_path(path) as tmp:
        chainer.serializers.save_npz(tmp, encoder, compression=False)
