"""The tempo classifier (bins, input resampling, training on a clip set, storage), FD and IS."""
import json
import os

import numpy as np
import pytest

from tgan_music.data.storage import ClipStore
from tgan_music.errors import UserError
from tgan_music.evaluation.classifier import (TempoBins, load_classifier, normalized_differences, resample_time,
                                              resize_space, with_motion)
from tgan_music.evaluation.classifier_training import soft_labels, train_classifier
from tgan_music.evaluation.fid import frechet_distance, inception_score

GEOMETRY = {"fps": 8, "frames": 16, "height": 24, "width": 24, "channels": 3, "sample_rate": 16000}


def test_bins_are_log_spaced_and_clip_the_ends():
    bins = TempoBins(40, 208, 12)
    ratios = bins.edges[1:] / bins.edges[:-1]
    assert np.allclose(ratios, ratios[0]) and abs(ratios[0] - 1.147) < 0.01
    assert bins.bin_of([40, 208, 20, 400]).tolist() == [0, 11, 0, 11]
    assert bins.bin_of([None, float("nan")]).tolist() == [-1, -1]
    centres = bins.bin_of(bins.centres)
    assert centres.tolist() == list(range(12))
    # A tempo 5 % off a centre stays in its bin (the bins are +-7 % wide).
    assert (bins.bin_of(bins.centres * 1.05) == np.arange(12)).all()


def test_time_resampling_keeps_seconds_and_space_shrinks_by_block_means():
    t = np.arange(12, dtype=np.float32)  # frame k at k/12 s holds the value k/12
    video = np.broadcast_to((t / 12.0)[None, None, :, None, None], (1, 3, 12, 4, 4)).copy()
    out = resample_time(video, 12, 8)
    assert out.shape[2] == 8  # 0 .. 11/12 s at 8 fps: 0, 1/8, ..., 7/8
    assert np.allclose(out[0, 0, :, 0, 0], np.arange(8) / 8.0, atol=1e-6)
    img = np.arange(16, dtype=np.float32).reshape(1, 1, 1, 4, 4)
    assert np.allclose(resize_space(img, 2, 2)[0, 0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # Another factor: bilinear with the corners kept (a linear ramp stays a linear ramp).
    ramp = np.broadcast_to(np.arange(4, dtype=np.float32), (1, 1, 1, 3, 4))
    assert np.allclose(resize_space(ramp, 2, 3)[0, 0, 0], [[0, 1.5, 3], [0, 1.5, 3]])
    assert with_motion(video).shape == (1, 6, 12, 4, 4)


def test_normalized_differences_drop_the_still_picture_and_the_contrast():
    rng = np.random.RandomState(0)
    still = rng.uniform(-1, 1, (1, 3, 1, 8, 8)).astype(np.float32)
    moving = np.zeros((1, 3, 6, 8, 8), np.float32)
    for t in range(6):
        moving[0, :, t, 2, t] = 0.5  # a dot walking to the right
    a = normalized_differences(still + moving)
    assert a.shape == (1, 3, 5, 8, 8)
    assert np.allclose(a, normalized_differences(moving), atol=1e-5)  # the background cancels
    assert np.allclose(a, normalized_differences(0.3 * moving - 0.2), atol=1e-5)  # so do gain and offset
    assert abs(float(np.sqrt(np.mean(a ** 2))) - 1.0) < 1e-5
    # A clip that does not move keeps its (tiny) differences: noise is not blown up.
    noise = 1e-4 * rng.randn(1, 3, 6, 8, 8).astype(np.float32)
    assert np.abs(normalized_differences(noise)).max() < 0.1


def test_soft_labels_share_the_target_with_neighbouring_bins():
    assert np.array_equal(soft_labels(5, 0), np.eye(5))
    t = soft_labels(12, 0.7)
    assert np.allclose(t.sum(axis=1), 1.0) and (t.argmax(axis=1) == np.arange(12)).all()
    assert t[5, 4] == t[5, 6] and 0.1 < t[5, 4] < t[5, 5] and t[5, 8] < 1e-3


def pendulum_clipset(root, pendulum, tempi=(50.0, 150.0), sources=4, clips=2, seed=0):
    """A real clip set of rendered pendulum clips (random phase, amplitude, brightness) with tempi."""
    rng = np.random.RandomState(seed)
    store = ClipStore(root, GEOMETRY)
    samples = store.samples
    for s in range(sources * len(tempi)):
        tempo = tempi[s % len(tempi)]
        videos, rows = [], []
        for k in range(clips):
            first = rng.uniform(0, 60.0 / tempo)
            v = pendulum(tempo, fps=GEOMETRY["fps"], frames=GEOMETRY["frames"], height=24, width=24,
                         first_tick=first, amplitude_degrees=rng.uniform(25, 42))
            videos.append(np.clip(v.astype(np.float64) * rng.uniform(0.7, 1.1), 0, 255).astype(np.uint8))
            rows.append({"start": 2.0 * k, "tempo_bpm": tempo, "phase": None})
        store.add_source(f"p{s}", f"p{s}.mp4", np.stack(videos),
                         np.zeros((clips, samples), np.float32), rows)
    return store


def test_classifier_learns_separated_tempi_and_round_trips(tmp_path, pendulum):
    root = str(tmp_path / "clips")
    pendulum_clipset(root, pendulum)
    out = str(tmp_path / "classifier")
    settings = {"iterations": 60, "batchsize": 8, "widths": [8, 16, 16, 16], "feature_dims": 16, "lr": 3e-3}
    classifier = train_classifier(root, out, settings, {"val_fraction": 0.0, "test_fraction": 0.0}, quiet=True)
    assert os.path.isfile(os.path.join(out, "weights.npz")) and os.path.isfile(os.path.join(out, "classifier.json"))
    assert os.path.isfile(os.path.join(out, "training_log.json"))
    assert not os.path.exists(out + ".training")
    # Held-out clips: new phases and amplitudes at the two tempi.
    rng = np.random.RandomState(1)
    videos, wanted = [], []
    for n in range(12):
        tempo = (50.0, 150.0)[n % 2]
        v = pendulum(tempo, fps=8, frames=16, height=24, width=24, first_tick=rng.uniform(0, 1),
                     amplitude_degrees=rng.uniform(25, 42))
        videos.append(np.moveaxis(v, -1, 0).astype(np.float32) / 127.5 - 1.0)
        wanted.append(classifier.bins.bin_of(tempo)[0])
    videos = np.stack(videos)
    probs, feats = classifier.predict(videos, fps=8)
    assert probs.shape == (12, 12) and feats.shape == (12, 16)
    assert np.allclose(probs.sum(axis=1), 1.0)
    accuracy = np.mean(probs.argmax(axis=1) == np.array(wanted))
    assert accuracy >= 0.75, accuracy  # chance is 1/12 over the bins, 1/2 between these two
    loaded = load_classifier(out)
    assert loaded.bins.count == 12 and loaded.geometry["input_height"] == 24
    assert np.allclose(loaded.predict(videos, fps=8)[0], probs, atol=1e-5)
    # Another geometry goes through resampling: 16 fps, 48x48 -> 8 fps, 24x24.
    doubled = np.repeat(np.repeat(np.repeat(videos, 2, axis=2), 2, axis=3), 2, axis=4)
    assert loaded.predict(doubled, fps=16)[0].shape == (12, 12)
    assert "resampled" in loaded.geometry_note(16, 48, 48)


def test_augmentation_changes_the_looks_but_not_the_shape_or_the_bin(tmp_path, pendulum):
    from tgan_music.data.dataset import ClipDataset
    from tgan_music.evaluation.classifier_training import TempoClips
    root = str(tmp_path / "clips")
    pendulum_clipset(root, pendulum, sources=1, clips=1)
    clips = ClipDataset(root, "all", None, val_fraction=0.0, test_fraction=0.0, normalize=False)
    bins = TempoBins()
    plain = TempoClips(clips, bins, 24, 24, "diff")
    augmented = TempoClips(clips, bins, 24, 24, "diff", augment=True, shift=0.1, seed=3)
    x, label = plain[0]
    draws = [augmented[0] for _ in range(8)]
    assert x.shape == (3, 15, 24, 24) and label == bins.bin_of(50.0)[0]
    assert all(d[0].shape == x.shape and d[1] == label for d in draws)
    assert all(not np.allclose(d[0], x) for d in draws)
    assert TempoClips(clips, bins, 24, 24, "rgb+diff")[0][0].shape == (6, 16, 24, 24)


def test_missing_classifier_says_how_to_train_one(tmp_path):
    with pytest.raises(UserError, match="--train-classifier"):
        load_classifier(str(tmp_path))


def test_format_1_classifier_is_refused_with_a_request_to_retrain(tmp_path):
    with open(tmp_path / "classifier.json", "w") as f:
        json.dump({"format": "tgan-music tempo classifier", "version": 1}, f)
    np.savez(tmp_path / "weights.npz", x=np.zeros(1))
    with pytest.raises(UserError, match="format 1.*retrain"):
        load_classifier(str(tmp_path))


def test_classifier_needs_known_tempi(tmp_path):
    root = str(tmp_path / "clips")
    store = ClipStore(root, GEOMETRY)
    store.add_source("a", "a.mp4", np.zeros((2, 16, 24, 24, 3), np.uint8), np.zeros((2, store.samples), np.float32),
                     [{"start": 0.0, "tempo_bpm": None, "phase": None}, {"start": 2.0, "tempo_bpm": None, "phase": None}])
    with pytest.raises(UserError, match="tempo"):
        train_classifier(root, str(tmp_path / "c"), {"iterations": 1}, {"val_fraction": 0.0, "test_fraction": 0.0},
                         quiet=True)


def test_frechet_distance_zero_for_identical_sets_and_grows_with_difference():
    rng = np.random.RandomState(0)
    a = rng.randn(200, 8)
    assert frechet_distance(a, a) < 1e-6
    shifted = a + 2.0
    assert abs(frechet_distance(a, shifted) - 4.0 * 8) < 1e-3  # |mu1 - mu2|^2, same covariance
    wider = a * 3.0
    assert frechet_distance(a, wider) > 5.0
    assert abs(frechet_distance(a, wider) - frechet_distance(wider, a)) < 1e-6
    other = rng.randn(200, 8)  # same distribution, other draw: small but not zero
    assert 0 < frechet_distance(a, other) < frechet_distance(a, shifted)
    assert np.isnan(frechet_distance(a[:1], a))
    few = rng.randn(5, 8)  # fewer clips than features: a singular covariance still gives a number
    assert np.isfinite(frechet_distance(few, a))


def test_inception_score_bounds():
    bins = 12
    assert abs(inception_score(np.full((10, bins), 1.0 / bins)) - 1.0) < 1e-9
    assert abs(inception_score(np.tile(np.eye(bins)[3], (10, 1))) - 1.0) < 1e-9  # confident, not diverse
    assert abs(inception_score(np.eye(bins)) - bins) < 1e-6  # confident and every bin used
    rng = np.random.RandomState(0)
    p = rng.dirichlet(np.ones(bins) * 0.3, size=50)
    assert 1.0 < inception_score(p) < bins
