"""The rhythm encoder on click tracks of known tempo: pulse peaks on the clicks, the tempo, the swing."""
import numpy as np
import pytest

from tgan_music.embedding.encoders import build_encoder
from tgan_music.embedding.rhythm import (FEATURES, HOP, SAMPLE_RATE, RhythmEncoder, beat_times, fundamental_tempo,
                                         onset_envelope, rhythm_features, song_tempi)
from tgan_music.errors import ConfigError


def click_track(bpm, seconds=3.0, offset=0.2, sr=SAMPLE_RATE):
    """Decaying 1 kHz clicks on the beats; returns (audio, click times)."""
    audio = np.zeros(int(seconds * sr), np.float32)
    times = np.arange(offset, seconds, 60.0 / bpm)
    t = np.arange(int(0.03 * sr)) / sr
    click = (np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.005)).astype(np.float32)
    for c in times:
        s = int(c * sr)
        audio[s:s + len(click)] += click[:len(audio) - s]
    return audio, times


def frame_times(n):
    return (np.arange(n) * HOP + HOP / 2) / SAMPLE_RATE


@pytest.mark.parametrize("bpm", [40, 50, 90, 150, 200])
def test_pulse_peaks_on_clicks_and_tempo(bpm):
    audio, clicks = click_track(bpm)
    r = rhythm_features(audio)
    assert r.shape == (len(audio) // HOP, len(FEATURES)) and r.dtype == np.float32
    t = frame_times(len(r))
    pulse = r[:, FEATURES.index("pulse")]
    peaks = t[1:-1][(pulse[1:-1] >= pulse[:-2]) & (pulse[1:-1] > pulse[2:]) & (pulse[1:-1] > 0.5)]
    inner = clicks[(clicks > 0.3) & (clicks < 2.7)]
    if bpm >= 50:   # with two clicks in the clip librosa's PLP has too little to go on; the phase below does
        assert all(np.min(np.abs(peaks - c)) < 0.07 for c in inner)
    tempo = 100 * 2 ** np.median(r[:, FEATURES.index("log2_tempo")])
    assert tempo == pytest.approx(bpm, rel=0.08)
    # The beat phase is 0 (cos 1) on the beats; the swing turns once every two beats.
    beat_cos = r[:, FEATURES.index("beat_cos")]
    assert np.mean([beat_cos[np.argmin(np.abs(t - c))] for c in inner]) > 0.8
    swing = np.unwrap(np.arctan2(r[:, FEATURES.index("swing_sin")], r[:, FEATURES.index("swing_cos")]))
    turns = (swing[-1] - swing[0]) / (2 * np.pi)
    assert turns == pytest.approx((t[-1] - t[0]) * bpm / 120.0, rel=0.15)


@pytest.mark.parametrize("bpm", [60, 120, 180])
def test_beat_times_are_the_clicks(bpm):
    audio, clicks = click_track(bpm, seconds=4.0, offset=0.13)
    beats = beat_times(rhythm_features(audio))
    inner = clicks[(clicks > 0.4) & (clicks < 3.6)]
    assert len(beats) >= len(inner)
    # every click inside the clip has one beat within 40 ms, and no beat is far from a click
    assert all(np.min(np.abs(beats - c)) < 0.04 for c in inner)
    assert all(np.min(np.abs(clicks - b)) < 0.06 for b in beats)
    # a constant phase (silence) wraps nowhere
    assert beat_times(rhythm_features(np.zeros(SAMPLE_RATE, np.float32))).size == 0


def test_latency_advances_the_phase():
    audio, clicks = click_track(119, seconds=4.0, offset=0.13)
    inner = clicks[(clicks > 0.4) & (clicks < 3.6)]

    def lag(latency):
        beats = beat_times(rhythm_features(audio, latency=latency))
        return np.median([beats[np.argmin(np.abs(beats - c))] - c for c in inner])
    # the onset envelope peaks about 20 ms after a click; a latency of 20 ms takes it back
    assert 0.01 < lag(0.0) < 0.035 and abs(lag(0.0) - 0.02 - lag(0.02)) < 0.004
    plain, late = build_encoder({"name": "rhythm"}), build_encoder({"name": "rhythm", "args": {"latency": 0.04}})
    assert plain.encoder_id == "rhythm-v1" and late.encoder_id == "rhythm-v1-latency40ms"
    same = rhythm_features(audio)
    moved = late.encode(audio)
    keep = [FEATURES.index(f) for f in ("onset", "pulse", "log2_tempo")]
    np.testing.assert_array_equal(moved[:, keep], same[:, keep])   # only the phases move
    with pytest.raises(ConfigError, match="latency"):
        build_encoder({"name": "rhythm", "args": {"latency": 0.5}})


def test_song_tempi_keep_the_song_tempo_through_a_window_of_eighths():
    beats, _ = click_track(70, seconds=15.0, offset=0.1)
    eighths, _ = click_track(70, seconds=15.0, offset=0.1 + 30.0 / 70)
    song = beats.copy()
    song[6 * SAMPLE_RATE:9 * SAMPLE_RATE] += 0.9 * eighths[6 * SAMPLE_RATE:9 * SAMPLE_RATE]  # eighth notes for 3 s
    windows = song[:15 * SAMPLE_RATE].reshape(5, 3 * SAMPLE_RATE)
    onsets = [onset_envelope(w) for w in windows]
    alone = [fundamental_tempo(o, SAMPLE_RATE / HOP) for o in onsets]
    assert alone[2] == pytest.approx(140, rel=0.08)            # the window alone takes eighths for beats
    together = song_tempi(onsets, SAMPLE_RATE / HOP)
    assert together == pytest.approx([70] * 5, rel=0.08)
    # the encoder's song path uses them; a real change of tempo is kept
    tempo = RhythmEncoder().encode_song(windows)[:, :, FEATURES.index("log2_tempo")]
    assert 100 * 2 ** tempo[:, 0] == pytest.approx([70] * 5, rel=0.08)
    faster, _ = click_track(100, seconds=9.0, offset=0.1)
    changed = np.concatenate([beats[:6 * SAMPLE_RATE], faster]).reshape(5, 3 * SAMPLE_RATE)
    assert song_tempi([onset_envelope(w) for w in changed], SAMPLE_RATE / HOP) == pytest.approx(
        [70, 70, 100, 100, 100], rel=0.08)
    assert song_tempi([], SAMPLE_RATE / HOP) == []


def test_fundamental_not_a_harmonic_or_multiple():
    for bpm in (45, 70, 120, 190):
        audio, _ = click_track(bpm, seconds=4.0)
        onset = rhythm_features(audio)[:, 0]
        assert fundamental_tempo(onset, SAMPLE_RATE / HOP) == pytest.approx(bpm, rel=0.08)


def test_silence_and_short_audio():
    r = rhythm_features(np.zeros(SAMPLE_RATE, np.float32))
    assert np.isfinite(r).all() and (r[:, 0] == 0).all()
    assert rhythm_features(np.zeros(100, np.float32)).shape == (0, len(FEATURES))


def test_encoder_alone_and_with_librosa():
    audio, _ = click_track(100)
    alone = build_encoder({"name": "rhythm", "args": {}})
    both = build_encoder({"name": "rhythm", "args": {"base": "librosa"}})
    assert (alone.encoder_id, alone.dims) == ("rhythm-v1", 7)
    assert (both.encoder_id, both.dims) == ("rhythm-v1+librosa-v1", 23)
    a, b = alone.encode(audio), both.encode_batch(audio[None])[0]
    assert b.shape == (len(audio) // HOP, 23) and len(both.features) == 23
    np.testing.assert_array_equal(a, b[:, :7])
    with pytest.raises(ConfigError, match="base"):
        build_encoder({"name": "rhythm", "args": {"base": "mfcc"}})


def test_feature_names_of_a_config_match_the_encoders_own():
    from tgan_music.embedding.encoders import build_encoder, feature_names
    names = feature_names({"encoder": {"name": "rhythm", "args": {"base": "librosa"}}, "dims": 23})
    encoder = build_encoder({"name": "rhythm", "args": {"base": "librosa"}})
    assert len(names) == encoder.dims == 23
    assert names[:7] == encoder.features[:7] and names[4:6] == ("swing_sin", "swing_cos")
    assert feature_names({"encoder": "librosa", "dims": 3}) == ("librosa_0", "librosa_1", "librosa_2")


@pytest.mark.parametrize("bpm", [55, 110, 170])
def test_song_phase_puts_every_windows_beats_on_the_clicks_and_swings_on_across_windows(bpm):
    """encode_song(windows, starts): windows cut as generation cuts them (3 s every 32 frames at 12
    fps, so starts off the 512-sample grid) read the whole song's beat phase."""
    from tgan_music.generation.windows import WindowPlan

    song, clicks = click_track(bpm, seconds=14.0, offset=0.31)
    plan = WindowPlan(len(song), SAMPLE_RATE, 12, 36, 4)
    windows, starts = plan.window_audio(song), plan.starts()
    assert any(s % HOP for s in starts)
    f = RhythmEncoder().encode_song(windows, starts)
    alone = RhythmEncoder().encode_song(windows)
    # the tempo and the other features are those of the windows' own path
    for name in ("onset", "pulse", "log2_tempo"):
        np.testing.assert_array_equal(f[:, :, FEATURES.index(name)], alone[:, :, FEATURES.index(name)])
    for w, s in enumerate(starts):
        beats = s / SAMPLE_RATE + beat_times(f[w])
        inner = clicks[(clicks > s / SAMPLE_RATE + 0.3) & (clicks < s / SAMPLE_RATE + 2.7)]
        assert all(np.min(np.abs(beats - c)) < 0.04 for c in inner)   # the onset lag on clicks: 21 ms
    # the overlapping frames of consecutive windows swing alike (the same pose on both sides of a seam)
    swing = FEATURES.index("swing_cos")
    frames_hop = [int(round((b - a) / HOP)) for a, b in zip(starts, starts[1:])]
    for w, k in enumerate(frames_hop):
        np.testing.assert_allclose(f[w, k:k + 3, swing], f[w + 1, :3, swing], atol=0.1)
