"""Config section ``evaluate`` (rhythm metrics: docs/metrics.md explains each choice)."""
from tgan_music.config.schema import Field

SCHEMA = {
    "samples": Field(int, 64, doc="generated clips per evaluation"),
    "bas_sigma_seconds": Field(float, 0.05, doc="Beat Alignment Score sigma in seconds (AIST++: 3 "
                               "frames at 60 fps; at 12 fps it is 0.6 frame, above the ~10-25 ms "
                               "timing error of sub-frame motion beats)"),
    "audio_beats": Field(str, "auto", choices=("auto", "beats", "onsets", "ticks"),
                         doc="music beats: librosa beat tracker, onset peaks, the known metronome "
                             "ticks, or auto (ticks when known, else the beat tracker)"),
    "motion_blur_pixels": Field(float, 4.0, doc="spatial blur before frame differences (pixels at 96x128)"),
    "motion_noise_floor": Field(float, 3.0, doc="per-pixel change below this multiple of the median "
                                "change is noise (0 = off)"),
    "beat_prominence": Field(float, 0.2, doc="a motion minimum is a beat when this fraction of the "
                             "motion signal's range below its neighbouring maxima"),
    "shuffle_rounds": Field(int, 3, doc="shuffled-audio pairings per clip for the chance level"),
    "seed": Field(int, 0, doc="seed of the shuffled pairings and of the generated samples"),
}
