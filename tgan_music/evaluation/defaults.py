"""Config section ``evaluate`` (rhythm metrics: docs/metrics.md explains each choice)."""
from tgan_music.config.schema import Field
from tgan_music.evaluation.settings import AUDIO_BEATS, DEFAULT as RHYTHM

# The rhythm keys' defaults are RhythmSettings' (settings.py, CONFIG_KEYS maps the names).
SCHEMA = {
    "samples": Field(int, 64, doc="generated clips per evaluation"),
    "bas_sigma_seconds": Field(float, RHYTHM.sigma_seconds,
                               doc="Beat Alignment Score sigma in seconds (AIST++: 3 "
                                   "frames at 60 fps; at 12 fps it is 0.6 frame, above the ~10-25 ms "
                                   "timing error of sub-frame motion beats)"),
    "audio_beats": Field(str, RHYTHM.audio_beats, choices=AUDIO_BEATS,
                         doc="music beats: librosa beat tracker, onset peaks, the known metronome "
                             "ticks, or auto (ticks when known, else the beat tracker)"),
    "motion_blur_pixels": Field(float, RHYTHM.blur_pixels,
                                doc="spatial blur before frame differences (pixels at 96x128)"),
    "motion_noise_floor": Field(float, RHYTHM.noise_floor,
                                doc="per-pixel change below this multiple of the median "
                                    "change is noise (0 = off)"),
    "beat_prominence": Field(float, RHYTHM.prominence,
                             doc="a motion minimum is a beat when this fraction of the "
                                 "motion signal's range below its neighbouring maxima"),
    "shuffle_rounds": Field(int, 3, doc="shuffled-audio pairings per clip for the chance level"),
    "seed": Field(int, 0, doc="seed of the shuffled pairings and of the generated samples"),
}

# -- the tempo classifier and `tgan-music evaluate` (docs/evaluation.md; `tgan-music compare`'s
# settings are the top-level section ``compare``, tgan_music/pipelines/defaults.py) --
SCHEMA.update({
    "split": Field(str, "test", choices=("test", "val", "train", "all"),
                   doc="held-out split whose music conditions the generated clips"),
    "fd_reference_clips": Field(int, 256, doc="real training-split clips the Fréchet distance compares with"),
    "classifier": {
        "bins": Field(int, 12, doc="log-spaced tempo bins (12 over 40-208 BPM: 14.7 % wide, "
                                   "about the +-8 % tolerance of tempo_acc8)"),
        "low_bpm": Field(float, 40.0, doc="lowest tempo of the bins (the metronome's range)"),
        "high_bpm": Field(float, 208.0, doc="highest tempo of the bins"),
        "widths": Field(list, [16, 32, 64, 64], doc="channels of the four 3-D convolutions"),
        "feature_dims": Field(int, 64, doc="penultimate features (the Fréchet distance's space)"),
        "max_height": Field(int, 48, doc="clips are shrunk by an integer factor to at most this height"),
        "iterations": Field(int, 800, doc="training iterations (Adam)"),
        "batchsize": Field(int, 16),
        "lr": Field(float, 1e-3, doc="Adam's alpha"),
        "seed": Field(int, 0),
        "input": Field(str, "diff", choices=("diff", "rgb+diff"),
                       doc="diff: frame differences normalised per clip (what moves, not how the video "
                           "looks); rgb+diff: the frames too (format 1's input; memorises videos)"),
        "dropout": Field(float, 0.3, doc="dropout on the pooled features while training"),
        "weight_decay": Field(float, 1e-4, doc="L2 weight decay"),
        "label_sigma": Field(float, 0.7, doc="soft labels: Gaussian over neighbouring bins, in bins (0 = one-hot)"),
        "shift": Field(float, 0.1, doc="augmentation: random shift up to this fraction of the frame size"),
    },
})
