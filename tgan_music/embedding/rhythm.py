"""Rhythm features at the NSynth frame rate (31.25 frames/s), made from librosa's own functions.

A frame can react to an onset, but an arm's angle depends on the *phase* of the beat: where
the frame stands between the last beat and the next. These features say it directly:

- 0 ``onset``: librosa's onset strength (spectral flux), divided by the clip's maximum;
- 1 ``pulse``: the predominant local pulse (``librosa.beat.plp``, Grosche & Mueller), peaks on beats;
- 2, 3 ``beat_sin``, ``beat_cos``: the phase of the pulse at the window's tempo (``beat_phase``),
  0 on a beat;
- 4, 5 ``swing_sin``, ``swing_cos``: half that phase, unwrapped from the clip's start, so they
  turn once every two beats, as a swinging arm does (which side comes first is arbitrary);
- 6 ``log2_tempo``: the window's tempo, log2(bpm / 100): the fundamental of the onset
  autocorrelation (``fundamental_tempo``), which also bounds PLP's tempo range.

``latency`` (seconds) advances the beat and swing phases by that much: the onset envelope peaks
after a note starts (21 ms on clicks, 40 ms on the selection songs' piano, organ, winds and
strings: docs/embedding.md). No recipe sets it: the per-frame conditioning shows the music half a
frame early (model/conditioning.MUSIC_LEAD_FRAMES, 42 ms at 12 fps), which cancels that lag.

With ``base`` the features follow another encoder's (``librosa`` or ``nsynth``), frame by frame.
Frame k describes samples 512k .. 512k + 512, as NSynth's frame k does.
"""
import numpy as np

from tgan_music.embedding.encoders import to_numpy

SAMPLE_RATE = 16000
HOP = 512
N_FFT = 1024
TEMPO_MIN, TEMPO_MAX = 40.0, 208.0
# song_tempi: the tempi a window's fundamental may stand for; the costs of leaving it and of an
# octave's change between windows (chosen on the selection songs, data/songs_select: docs/training.md)
TEMPO_RATIOS = (1 / 3, 1 / 2, 1.0, 2.0, 3.0)
TEMPO_OTHER_COST, TEMPO_CHANGE_COST = 0.5, 2.0
# encode_song's phase over the whole song: demodulated over this many beats (3 s windows hold 2-10;
# chosen on the selection songs data/songs_select and songs_select2 among 2-12: docs/embedding.md)
SONG_PHASE_BEATS = 8.0
# PLP's tempogram window: 8.2 s (clips are 3 s; librosa pads).
WIN_LENGTH = 256
FEATURES = ("onset", "pulse", "beat_sin", "beat_cos", "swing_sin", "swing_cos", "log2_tempo")
VERSION = "rhythm-v1"


def fundamental_tempo(onset, frame_rate, ratio=0.5):
    """BPM of the shortest autocorrelation lag (within the tempo range) whose peak reaches
    ``ratio`` of the highest: the pulse itself, not its multiples (lags) or harmonics."""
    x = onset - onset.mean()
    n = len(x)
    lo, hi = int(np.floor(60 * frame_rate / TEMPO_MAX)), int(np.ceil(60 * frame_rate / TEMPO_MIN))
    hi = min(hi, n - 2)
    if hi <= lo + 1:
        return 120.0
    full = np.correlate(x, x, "full")[n - 1:]
    ac = full / np.maximum(n - np.arange(n), 1)            # unbiased: long lags overlap less
    peaks = [k for k in range(max(lo, 1), hi + 1) if ac[k] >= ac[k - 1] and ac[k] >= ac[k + 1] and ac[k] > 0]
    if not peaks:
        return 120.0
    best = max(ac[k] for k in peaks)
    k = next(k for k in peaks if ac[k] >= ratio * best)
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return float(np.clip(60 * frame_rate / (k + np.clip(shift, -0.5, 0.5)), TEMPO_MIN, TEMPO_MAX))


def song_tempi(onsets, frame_rate, other_cost=TEMPO_OTHER_COST, change_cost=TEMPO_CHANGE_COST):
    """One tempo per window of a song (``onsets``: consecutive windows' onset envelopes).

    A 3 s window alone often takes the eighth notes, or the bar of a fast 3/4, for the beat; its
    neighbours mostly do not. Each window's candidates are its fundamental (``fundamental_tempo``)
    times 1/3, 1/2, 1, 2 and 3 (within the tempo range). A Viterbi path picks one per window:
    ``other_cost`` for each window that leaves its own fundamental, plus ``change_cost`` per
    octave of change between neighbours. So a song keeps the tempo most of its windows agree on,
    and still changes tempo where its windows do."""
    if not len(onsets):
        return []
    cands, costs = [], []
    for onset in onsets:
        own = fundamental_tempo(onset, frame_rate) if float(np.max(onset, initial=0)) > 0 else 120.0
        ratios = [r for r in TEMPO_RATIOS if TEMPO_MIN <= own * r <= TEMPO_MAX] or [1.0]
        cands.append(np.array([own * r for r in ratios]))
        costs.append(np.array([0.0 if r == 1.0 else other_cost for r in ratios]))
    total, back = costs[0], []
    for w in range(1, len(onsets)):
        step = total[None, :] + change_cost * np.abs(np.log2(cands[w][:, None] / cands[w - 1][None, :]))
        back.append(np.argmin(step, axis=1))
        total = costs[w] + step.min(axis=1)
    path = [int(np.argmin(total))]
    for b in reversed(back):
        path.append(int(b[path[-1]]))
    path.reverse()
    return [float(cands[w][k]) for w, k in enumerate(path)]


def beat_phase(onset, bpm, frame_rate, beats=2.0):
    """Phase (radians, 0 on a beat) of the onset envelope's pulse at ``bpm`` (one tempo, or one
    per frame), frame by frame.

    Complex demodulation: the envelope times exp(-i phi(t)), phi the pulse's phase at that tempo,
    averaged over a Hann window of ``beats`` beats, is the local Fourier coefficient at exactly the
    pulse's frequency; its angle is the pulse's local phase offset. PLP's sinusoids sit on its
    tempogram's bins (7 BPM apart for a 3 s clip), whose phase drifts by a beat over a slow clip."""
    import scipy.signal
    n = len(onset)
    w = np.broadcast_to(2 * np.pi * np.asarray(bpm, np.float64) / 60.0 / frame_rate, (n,))
    phi = np.concatenate(([0.0], np.cumsum(w[:-1]))) if n else np.zeros(0)     # w * j at one tempo
    z = (onset - onset.mean()) * np.exp(-1j * phi)
    width = max(3, int(round(beats * 60.0 / float(np.median(bpm)) * frame_rate)) | 1)
    window = scipy.signal.windows.hann(width + 2)[1:-1]
    smooth = np.convolve(z, window, "full")[width // 2:width // 2 + n]   # centred, n frames
    return np.angle(np.exp(1j * (phi + np.angle(smooth))))


def onset_envelope(audio, sr=SAMPLE_RATE):
    """librosa's onset strength of (N,) float32 mono at 16 kHz, one value per 512-sample frame,
    divided by its maximum (all zeros for silence)."""
    import librosa

    audio = np.asarray(audio, np.float32)
    frames = audio.shape[0] // HOP
    if frames == 0:
        return np.zeros(0, np.float32)
    # center=True centres librosa's frame j on sample 512 j; shifting by half a hop puts it on
    # the centre of our frame k (sample 512 k + 256).
    shifted = np.pad(audio[:frames * HOP], (0, HOP // 2))[HOP // 2:]
    onset = librosa.onset.onset_strength(y=shifted, sr=sr, hop_length=HOP, n_fft=N_FFT)[:frames]
    return onset / max(float(onset.max()), 1e-6)


def rhythm_features(audio, sr=SAMPLE_RATE, latency=0.0, bpm=None):
    """(N,) float32 mono at 16 kHz -> float32 (floor(N / 512), 7) (see the module doc). ``bpm``:
    the window's tempo, when known (``song_tempi``); by default its onsets' fundamental."""
    return features_from_onset(onset_envelope(audio, sr), sr, latency, bpm)


def features_from_onset(onset, sr=SAMPLE_RATE, latency=0.0, bpm=None):
    """rhythm_features from the window's onset envelope (``onset_envelope``)."""
    import warnings

    import librosa

    frames = len(onset)
    if frames == 0:
        return np.zeros((0, len(FEATURES)), np.float32)
    if float(onset.max()) <= 0:   # silence: no pulse, no tempo
        out = np.zeros((frames, len(FEATURES)), np.float32)
        out[:, 3] = out[:, 5] = 1.0
        out[:, 6] = np.log2(120.0 / 100.0)
        return out
    # PLP alone often locks onto the 2nd or 3rd harmonic of a slow pulse (an impulse train's
    # Fourier tempogram has all of them); the autocorrelation's fundamental bounds its range.
    bpm = fundamental_tempo(onset, sr / HOP) if bpm is None else float(bpm)
    with warnings.catch_warnings():   # the tempogram window is longer than a 3 s clip: padded
        warnings.simplefilter("ignore", UserWarning)
        pulse = librosa.beat.plp(onset_envelope=onset, sr=sr, hop_length=HOP, win_length=WIN_LENGTH,
                                 tempo_min=max(TEMPO_MIN * 0.9, bpm / 1.1), tempo_max=min(TEMPO_MAX * 1.1, bpm * 1.1))
    pulse = pulse / max(float(pulse.max()), 1e-6)
    phase = beat_phase(onset, bpm, sr / HOP)
    if latency:
        phase = np.angle(np.exp(1j * (phase + 2 * np.pi * bpm / 60.0 * latency)))
    unwrapped = np.unwrap(phase)
    swing = 0.5 * (unwrapped - unwrapped[0]) + 0.5 * phase[0]
    # The tempo of the window: the autocorrelation's fundamental (PLP's phase slope is noisy
    # with three beats a clip, and librosa.feature.tempo's prior makes octave errors).
    tempo = np.full(frames, bpm)
    out = np.column_stack([onset, pulse, np.sin(phase), np.cos(phase), np.sin(swing), np.cos(swing),
                           np.log2(tempo / 100.0)])
    return out.astype(np.float32)


def beat_times(features, frame_rate=SAMPLE_RATE / HOP):
    """Seconds at which the features' beat phase (``beat_sin``, ``beat_cos``; 0 on a beat) wraps
    through 0, interpolated between frames: the beats the encoder hands a phase-locked generator.
    Frame k is centred on (k + 0.5) / frame_rate."""
    features = np.asarray(features, np.float64)
    i, j = FEATURES.index("beat_sin"), FEATURES.index("beat_cos")
    phase = np.arctan2(features[:, i], features[:, j])
    before, after = phase[:-1], phase[1:]
    # a wrap through 0 goes from just below it to just above it; a jump from +pi to -pi is not one
    cross = np.flatnonzero((before < 0) & (after >= 0) & (after - before < np.pi))
    frac = -before[cross] / (after[cross] - before[cross])
    return (cross + frac + 0.5) / frame_rate


def song_phases(windows, starts, tempi, latency=0.0, beats=SONG_PHASE_BEATS):
    """(beat phase, swing phase), each (W, N // 512), of consecutive windows (W, N) of one song
    that start at samples ``starts``, from the whole song's onset envelope at the windows' tempi
    (``tempi``: one per window; each window owns its frames from the middle of its overlap with
    the one before). The phases are read at each window's own frame centres, which need not sit
    on the song's 512-sample grid. The swing is half the unwrapped phase, so it turns once every
    two beats continuously over the song."""
    windows = np.asarray(windows, np.float32)
    starts = np.asarray(starts, np.int64)
    n_win, length = windows.shape
    song = np.zeros(int(starts.max()) + length, np.float32)
    for s, w in zip(starts, windows):
        song[s:s + length] = w
    onset = onset_envelope(song)
    frames = length // HOP
    if not len(onset) or float(onset.max()) <= 0:
        return np.zeros((n_win, frames)), np.zeros((n_win, frames))
    first = starts / HOP                                       # each window's frame 0, in song frames
    owner = np.searchsorted(np.concatenate(([-np.inf], (first[1:] + first[:-1] + frames) / 2)),
                            np.arange(len(onset)), side="right") - 1
    bpm = np.asarray(tempi, np.float64)[owner]
    phase = beat_phase(onset, bpm, SAMPLE_RATE / HOP, beats)
    if latency:
        phase = phase + 2 * np.pi * bpm / 60.0 * latency
    unwrapped = np.unwrap(phase)
    at = first[:, None] + np.arange(frames)[None, :]           # (W, frames) positions in song frames
    u = np.interp(at, np.arange(len(onset)), unwrapped)
    return np.angle(np.exp(1j * u)), 0.5 * u


class RhythmEncoder:
    """The rhythm features, alone or followed by a ``base`` encoder's (``embedding.encoder``:
    ``{name: rhythm, args: {base: librosa}}``)."""

    sample_rate = SAMPLE_RATE
    hop = HOP
    frame_rate = SAMPLE_RATE / HOP

    def __init__(self, base=None, latency=0.0):
        self.base, self.latency = base, float(latency)
        own = VERSION if not self.latency else f"{VERSION}-latency{1000 * self.latency:g}ms"
        self.encoder_id = own if base is None else f"{own}+{base.encoder_id}"
        base_features = () if base is None else tuple(
            getattr(base, "features", None) or (f"{base.encoder_id}_{i}" for i in range(base.dims)))
        self.features = FEATURES + base_features
        self.dims = len(FEATURES) + (base.dims if base is not None else 0)

    def weights_sha256(self):
        return None if self.base is None else self.base.weights_sha256()

    def encode(self, audio):
        audio = np.asarray(audio, np.float32)
        if audio.ndim != 1:
            raise ValueError(f"encode takes one (N,) signal, got shape {audio.shape}; use encode_batch")
        own = rhythm_features(audio, latency=self.latency)
        if self.base is None:
            return own
        return np.concatenate([own, to_numpy(self.base.encode(audio))[:len(own)]], axis=1).astype(np.float32)

    def encode_batch(self, audio):
        """(B, N) independent clips -> (B, N // 512, dims): each clip's own tempo."""
        audio = np.asarray(audio, np.float32)
        return self._encode(audio, [onset_envelope(a) for a in audio], [None] * len(audio))

    def encode_song(self, windows, starts=None):
        """(W, N) consecutive windows of one song -> (W, N // 512, dims), the windows' tempi chosen
        together (``song_tempi``): what generation uses.

        ``starts``: each window's first sample in the song (at 16 kHz). With them the beat and
        swing phases are the whole song's (``song_phases``), demodulated over ``SONG_PHASE_BEATS``
        beats at the windows' tempi, instead of each 3 s window's own over two beats: a window
        then sees the beats around it, and consecutive windows swing the same way."""
        windows = np.asarray(windows, np.float32)
        onsets = [onset_envelope(w) for w in windows]
        tempi = song_tempi(onsets, self.frame_rate)
        out = self._encode(windows, onsets, tempi)
        if starts is not None and len(windows):
            phase, swing = song_phases(windows, starts, tempi, self.latency)
            for name, v in (("beat_sin", np.sin(phase)), ("beat_cos", np.cos(phase)),
                            ("swing_sin", np.sin(swing)), ("swing_cos", np.cos(swing))):
                out[:, :, FEATURES.index(name)] = v
        return out

    def _encode(self, audio, onsets, tempi):
        if not len(audio):
            return np.zeros((0, audio.shape[1] // HOP, self.dims), np.float32)
        own = np.stack([features_from_onset(o, latency=self.latency, bpm=t) for o, t in zip(onsets, tempi)])
        if self.base is None:
            return own
        return np.concatenate([own, to_numpy(self.base.encode_batch(audio))[:, :own.shape[1]]], axis=2)

    def to_device(self, device):
        if self.base is not None:
            self.base.to_device(device)
        return self
