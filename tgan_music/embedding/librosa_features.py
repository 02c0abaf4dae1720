"""An offline music embedder that needs no checkpoint: 16 librosa features per 512-sample frame.

Same rate (31.25 frames/s at 16 kHz) and layout ((floor(N/512), 16) float32) as NSynth, so
either cache feeds the same networks. Frame k describes NSynth's frame k (samples
512k .. 512k+512): the rhythmic features use exactly those 512 samples, so a beat lands on its
own frame; the tonal ones use a 2048-sample window centred on them, for frequency resolution.

The 16 dimensions are what a video that moves with music needs to see:

- 0 onset strength (spectral flux of 24 log-compressed mel bands of the frame): beats, attacks;
- 1 log RMS energy of the frame: loudness, the envelope of the music;
- 2 log low-band energy (< 150 Hz): kick drum and bass, where the beat usually is;
- 3 spectral centroid (kHz): brightness (hi-hats, cymbals, timbre changes);
- 4..15 chroma (12 pitch classes): harmony, so sections and chord changes differ.

Everything is a fixed function of the samples (no randomness, no learned weights).
"""
import numpy as np

HOP = 512
N_FFT = 2048
SAMPLE_RATE = 16000
SHORT_FFT = 512
ONSET_BANDS = 24
LOW_BAND_HZ = 150.0
FEATURES = ("onset_strength", "log_rms", "log_low_energy", "centroid_khz") + tuple(
    f"chroma_{p}" for p in ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"))


class LibrosaEncoder:
    """Hand-made features at the NSynth encoder's frame rate (encoder id ``librosa-v1``)."""

    encoder_id = "librosa-v1"
    dims = len(FEATURES)
    sample_rate = SAMPLE_RATE
    hop = HOP
    frame_rate = SAMPLE_RATE / HOP
    features = FEATURES

    def __init__(self):
        import librosa
        self._bands = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=SHORT_FFT, n_mels=ONSET_BANDS).astype(np.float32)
        self._chroma = librosa.filters.chroma(sr=SAMPLE_RATE, n_fft=N_FFT).astype(np.float32)
        freqs = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=N_FFT)
        self._freqs_khz = (freqs / 1000.0).astype(np.float32)
        self._low = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=SHORT_FFT) < LOW_BAND_HZ
        self._window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
        self._short_window = np.hanning(SHORT_FFT + 1)[:-1].astype(np.float32)

    def weights_sha256(self):
        return None

    def encode(self, audio):
        """(N,) float32 16 kHz mono -> float32 (floor(N/512), 16)."""
        audio = np.asarray(audio, dtype=np.float32)
        if audio.ndim != 1:
            raise ValueError(f"encode takes one (N,) signal, got shape {audio.shape}; use encode_batch")
        frames = audio.shape[0] // HOP
        if frames == 0:
            return np.zeros((0, self.dims), dtype=np.float32)
        own = audio[:frames * HOP].reshape(frames, HOP)  # frame k's own samples
        short = np.abs(np.fft.rfft(own * self._short_window, axis=1)).astype(np.float32) ** 2
        # Flux of log-compressed mel bands: bands average out noise that single bins would flicker with.
        compressed = np.log1p(1000.0 * (short @ self._bands.T))
        onset = np.concatenate([[0.0], np.maximum(np.diff(compressed, axis=0), 0.0).mean(axis=1)])
        log_rms = np.log(np.sqrt((own.astype(np.float64) ** 2).mean(axis=1)) + 1e-5)
        log_low = np.log(short[:, self._low].sum(axis=1) + 1e-8)
        # Tonal features: a 2048-sample window centred on sample 512k + 256 (frame k's centre).
        pad = (N_FFT - HOP) // 2
        padded = np.pad(audio[:frames * HOP], (pad, pad))
        idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
        power = (np.abs(np.fft.rfft(padded[idx] * self._window, axis=1)) ** 2).astype(np.float32)
        total = power.sum(axis=1)
        centroid = (power @ self._freqs_khz) / np.maximum(total, 1e-10)
        chroma = power @ self._chroma.T
        chroma = chroma / np.maximum(chroma.max(axis=1, keepdims=True), 1e-10)
        out = np.column_stack([onset, log_rms, log_low, centroid, chroma])
        return out.astype(np.float32)

    def encode_batch(self, audio):
        audio = np.asarray(audio, dtype=np.float32)
        return np.stack([self.encode(a) for a in audio]) if len(audio) else np.zeros(
            (0, audio.shape[1] // HOP, self.dims), np.float32)

    def to_device(self, device):
        return self
