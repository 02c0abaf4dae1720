"""The rhythm metrics' settings: one frozen dataclass that holds every default.

The ``evaluate`` config section (defaults.py), the ``rhythm`` training metric, the validation
command line and the low-level functions of motion.py and tempo.py all take their defaults
from here. Nothing heavy is imported: the config schema reads this module.
"""
import dataclasses

from tgan_music.errors import UserError

AUDIO_BEAT_SOURCES = ("beats", "onsets", "ticks")
AUDIO_BEATS = ("auto",) + AUDIO_BEAT_SOURCES

# ``evaluate`` config key -> RhythmSettings field. The config keeps the names users already
# write; the fields keep the names of the results' ``rhythm_settings`` and the metric's args.
CONFIG_KEYS = {
    "bas_sigma_seconds": "sigma_seconds",
    "audio_beats": "audio_beats",
    "beat_prominence": "prominence",
    "motion_blur_pixels": "blur_pixels",
    "motion_noise_floor": "noise_floor",
}


@dataclasses.dataclass(frozen=True)
class RhythmSettings:
    """How motion beats, music beats and tempi are found (docs/metrics.md explains each value)."""
    sigma_seconds: float = 0.05   # BAS Gaussian (AIST++'s value)
    audio_beats: str = "auto"     # one of AUDIO_BEATS
    prominence: float = 0.2       # a motion minimum's depth, as a fraction of the signal's range
    blur_pixels: float = 4.0      # spatial blur before frame differences (pixels at 96x128)
    noise_floor: float = 3.0      # per-pixel change below this multiple of the median is noise
    min_bpm: float = 30.0         # the video tempo's search range
    max_bpm: float = 300.0

    def __post_init__(self):
        if self.audio_beats not in AUDIO_BEATS:
            raise UserError(f"unknown audio_beats {self.audio_beats!r}; allowed: {', '.join(AUDIO_BEATS)}")
        if self.sigma_seconds <= 0:
            raise UserError(f"sigma_seconds={self.sigma_seconds} must be > 0 (seconds)")

    @classmethod
    def from_config(cls, evaluate):
        """The settings of an ``evaluate`` config section (keys as in CONFIG_KEYS)."""
        return cls(**{name: evaluate[key] for key, name in CONFIG_KEYS.items()})

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def as_dict(self):
        return dataclasses.asdict(self)


DEFAULT = RhythmSettings()
