"""An offline music embedder that needs no checkpoint: 16 librosa features per 512-sample frame.

Same rate (31.25 frames/s at 16 kHz) and layout ((floor(N/512), 16) float32) as NSynth, so
either cache feeds the same networks. Frame k summarises the 2048-sample window centred on
NSynth's frame k (samples 512k .. 512k+512), so both encoders are aligned in time.

The 16 dimensions are what a video that moves with music needs to see:

- 0 onset strength (spectral flux of the log-mel spectrogram): beats and note attacks;
- 1 log RMS energy: loudness, the envelope of the music;
- 2 log low-band energy (< 150 Hz): kick drum and bass, where the beat usually is;
- 3 spectral centroid (kHz): brightness (hi-hats, cymbals, timbre changes);
- 4..15 chroma (12 pitch classes): harmony, so sections and chord changes differ.

Everything is a fixed function of the samples (no randomness, no learned weights).
"""
import numpy as np

HOP = 512
N_FFT = 2048
SAMPLE_RATE = 16000
N_MELS = 64
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
        self._mel = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS).astype(np.float32)
        self._chroma = librosa.filters.chroma(sr=SAMPLE_RATE, n_fft=N_FFT).astype(np.float32)
        freqs = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=N_FFT)
        self._freqs_khz = (freqs / 1000.0).astype(np.float32)
        self._low = freqs < LOW_BAND_HZ
        self._window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)

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
        # Pad so that frame k's window is centred on sample 512k + 256 (NSynth frame k's centre).
        pad = (N_FFT - HOP) // 2
        padded = np.pad(audio[:frames * HOP], (pad, pad))
        idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
        power = np.abs(np.fft.rfft(padded[idx] * self._window, axis=1)) ** 2  # (frames, bins)
        power = power.astype(np.float32)
        mel_db = 10.0 * np.log10(np.maximum(power @ self._mel.T, 1e-10))
        flux = np.maximum(np.diff(mel_db, axis=0), 0.0).mean(axis=1)
        onset = np.concatenate([[0.0], flux])
        rms = np.sqrt(power.sum(axis=1) * 2.0 / (N_FFT * self._window.sum()))
        log_rms = np.log(rms + 1e-5)
        log_low = np.log(power[:, self._low].sum(axis=1) + 1e-8)
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
