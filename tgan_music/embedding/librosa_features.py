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
    """Fixed features at the NSynth encoder's frame rate (encoder id ``librosa-v1``), mostly from
    librosa's own functions (stft, melspectrogram, onset_strength, rms, chroma_stft)."""

    encoder_id = "librosa-v1"
    dims = len(FEATURES)
    sample_rate = SAMPLE_RATE
    hop = HOP
    frame_rate = SAMPLE_RATE / HOP
    features = FEATURES

    def __init__(self):
        import librosa
        self._low = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=SHORT_FFT) < LOW_BAND_HZ
        self._freqs_khz = (librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=N_FFT) / 1000.0).astype(np.float32)

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
        import librosa
        own = audio[:frames * HOP]
        # Rhythmic features: each frame's own 512 samples (center=False), periodic Hann window.
        short = np.abs(librosa.stft(own, n_fft=SHORT_FFT, hop_length=HOP, center=False)) ** 2
        # Flux of log-compressed mel bands: bands average out noise that single bins would flicker
        # with. The compression is passed in as S: onset_strength(y=...) would take power_to_db
        # instead, and its center=False does not reach the spectrogram it computes (that one is
        # centred, one frame more and half a frame early).
        bands = librosa.feature.melspectrogram(S=short, sr=SAMPLE_RATE, n_mels=ONSET_BANDS)
        onset = librosa.onset.onset_strength(S=np.log1p(1000.0 * bands), sr=SAMPLE_RATE, hop_length=HOP,
                                             center=False)
        log_rms = np.log(librosa.feature.rms(y=own, frame_length=HOP, hop_length=HOP, center=False)[0] + 1e-5)
        log_low = np.log(short[self._low].sum(axis=0) + 1e-8)
        # Tonal features: a 2048-sample window centred on sample 512k + 256 (frame k's centre). No
        # librosa framing gives that (center=True centres windows on 512k), so the signal is padded
        # by 768 on each side and framed with center=False.
        pad = (N_FFT - HOP) // 2
        power = np.abs(librosa.stft(np.pad(own, (pad, pad)), n_fft=N_FFT, hop_length=HOP, center=False)) ** 2
        # Centroid (power-weighted) and chroma are divided by max(x, 1e-10), so frames near digital
        # silence fade to 0. librosa's spectral_centroid and chroma_stft(norm=inf) normalise every
        # frame above float32's tiny, turning a near-silent frame's noise into a full-scale centroid
        # or chroma; so the centroid stays two lines here and chroma_stft gives the raw chroma
        # (tuning 0 rather than estimated per clip).
        centroid = self._freqs_khz @ power / np.maximum(power.sum(axis=0), 1e-10)
        chroma = librosa.feature.chroma_stft(S=power, sr=SAMPLE_RATE, tuning=0.0, norm=None)
        chroma = (chroma / np.maximum(chroma.max(axis=0, keepdims=True), 1e-10)).T
        out = np.column_stack([onset, log_rms, log_low, centroid, chroma])
        return out.astype(np.float32)

    def encode_batch(self, audio):
        audio = np.asarray(audio, dtype=np.float32)
        return np.stack([self.encode(a) for a in audio]) if len(audio) else np.zeros(
            (0, audio.shape[1] // HOP, self.dims), np.float32)

    def to_device(self, device):
        return self
