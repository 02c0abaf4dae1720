"""Scoring a set of clips (videos with their audio) on every rhythm metric, and its chance level.

Each video and each audio track is analysed once (motion beats, motion tempo; music beats,
tempo); the metrics are then computed for the true pairs and for shuffled pairs (each video
with another clip's audio and ground truth). The shuffled score is each metric's chance
level; real minus shuffled is its range on this data.
"""
from dataclasses import dataclass, field

import numpy as np

from tgan_music.data.storage import ClipStore
from tgan_music.errors import UserError
from tgan_music.evaluation import beats as beats_mod
from tgan_music.evaluation import motion as motion_mod
from tgan_music.evaluation import rhythm, tempo
from tgan_music.evaluation.metrics import HEADLINE
from tgan_music.evaluation.settings import DEFAULT, RhythmSettings
from tgan_music.registry import registry


@dataclass
class VideoRhythm:
    beats: np.ndarray      # kinematic beats (s)
    peaks: np.ndarray      # motion maxima (s), AV-Align's video events as published
    tempo_bpm: float       # dominant period of the motion signal, as BPM
    span: tuple            # (first, last) time where a motion beat can be found
    fps: float


@dataclass
class AudioRhythm:
    beats: np.ndarray      # music beats (s) from the chosen source
    onsets: np.ndarray     # onset peaks (s), AV-Align's audio events
    tempo_bpm: float       # reference tempo: ground truth when known, else estimated
    ticks: np.ndarray = field(default=None)  # known metronome ticks, or None


def analyse_video(video, fps, settings):
    signal = motion_mod.motion_signal(video, fps, blur_pixels=settings.blur_pixels,
                                      noise_floor=settings.noise_floor)
    return VideoRhythm(
        beats=motion_mod.kinematic_beats(signal, prominence=settings.prominence),
        peaks=motion_mod.motion_peaks(signal, prominence=settings.prominence),
        tempo_bpm=(float("nan") if signal.static else tempo.dominant_tempo(
            signal.values, fps, min_bpm=settings.min_bpm, max_bpm=settings.max_bpm)),
        span=(float(signal.times[0]), float(signal.times[-1])),
        fps=float(fps))


def analyse_audio(audio, sample_rate, settings, ticks=None, tempo_bpm=None):
    """Music beats from ``settings.audio_beats`` ('auto': the ticks when known, else librosa's
    beat tracker); the reference tempo is ``tempo_bpm`` when known, else from the beats."""
    source = settings.audio_beats
    if source == "auto":
        source = "ticks" if ticks is not None else "beats"
    music_beats, estimated = beats_mod.music_beats(audio, sample_rate, source=source, ticks=ticks)
    if tempo_bpm is None and ticks is not None:
        tempo_bpm = beats_mod.tempo_from_beats(ticks)
    return AudioRhythm(
        beats=music_beats, onsets=beats_mod.onset_times(audio, sample_rate),
        tempo_bpm=float(tempo_bpm) if tempo_bpm is not None else estimated,
        ticks=None if ticks is None else np.asarray(ticks, dtype=np.float64))


def pair_scores(video, audio, settings):
    """Every metric of one video paired with one audio track: {name: float (NaN = undefined)}."""
    scores = {
        "bas_fact": rhythm.bas_fact(video.beats, audio.beats, settings.sigma_seconds),
        "bas_bailando": rhythm.bas_bailando(video.beats, audio.beats, settings.sigma_seconds,
                                            span=video.span),
        "av_align": rhythm.av_align(audio.onsets, video.beats, video.fps, span=video.span),
        "av_align_peaks": rhythm.av_align(audio.onsets, video.peaks, video.fps, span=video.span),
    }
    scores.update(tempo.tempo_agreement(video.tempo_bpm, audio.tempo_bpm))
    if audio.ticks is not None:
        phase = rhythm.phase_error(video.beats, audio.ticks)
        scores["phase_error"] = phase["phase_error"]
        scores["phase_consistency"] = phase["phase_consistency"]
    return scores


def summarise(rows):
    """[{metric: value}] -> {metric: {mean, std, n}} over the defined (non-NaN) values."""
    names = sorted({name for row in rows for name in row})
    summary = {}
    for name in names:
        values = np.array([row[name] for row in rows if name in row], dtype=np.float64)
        values = values[np.isfinite(values)]
        summary[name] = {
            "mean": float(values.mean()) if values.size else float("nan"),
            "std": float(values.std()) if values.size else float("nan"),
            "n": int(values.size),
        }
    return summary


def shuffled_pairs(count, rounds, seed):
    """(video, audio) index pairs where no video gets its own audio: per round, a random cycle."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(rounds):
        order = rng.permutation(count)
        pairs += [(int(order[i]), int(order[(i + 1) % count])) for i in range(count)]
    return pairs


def _per_clip(values, count, what):
    if values is None:
        return [None] * count
    values = list(values)
    if len(values) != count:
        raise UserError(f"{len(values)} {what} for {count} clips; give one per clip (None where unknown)")
    return values


def score_clips(videos, audios, fps, sample_rate, *, ticks=None, tempi=None, settings=None,
                shuffle_rounds=3, seed=0, progress=False):
    """Scores clips on every rhythm metric, for the true pairs and shuffled pairs.

    ``videos``: sequence of (T, H, W, C) uint8/float arrays; ``audios``: sequence of float
    mono arrays at ``sample_rate``; ``ticks``/``tempi``: per clip, the known tick times (s from
    the clip start) and tempo (BPM) of the music, or None. Returns ``{"real": summary,
    "shuffled": summary, "range": {metric: real - shuffled mean}, "per_clip": [scores],
    "settings": {...}}``; shuffled is absent with fewer than 2 clips or ``shuffle_rounds=0``.
    """
    settings = settings or DEFAULT
    if len(videos) != len(audios):
        raise UserError(f"{len(videos)} videos but {len(audios)} audio tracks; give one audio per video")
    count = len(videos)
    if count == 0:
        raise UserError("no clips to score")
    ticks = _per_clip(ticks, count, "tick lists")
    tempi = _per_clip(tempi, count, "tempi")
    indices = range(count)
    if progress:
        from tqdm import tqdm
        indices = tqdm(indices, desc="rhythm", unit="clip")
    video_rhythms, audio_rhythms = [], []
    for i in indices:
        video_rhythms.append(analyse_video(videos[i], fps, settings))
        audio_rhythms.append(analyse_audio(audios[i], sample_rate, settings, ticks[i], tempi[i]))
    per_clip = [pair_scores(video_rhythms[i], audio_rhythms[i], settings) for i in range(count)]
    for i, row in enumerate(per_clip):
        row["video_tempo_bpm"] = video_rhythms[i].tempo_bpm
        row["music_tempo_bpm"] = audio_rhythms[i].tempo_bpm
    real = summarise([{k: v for k, v in row.items() if not k.endswith("_bpm")} for row in per_clip])
    result = {"real": real, "per_clip": per_clip, "settings": {
        **settings.as_dict(), "bas": "bas_fact: FACT/AIST++ (mean over motion beats); "
                                    "bas_bailando: Bailando (mean over music beats)",
        "shuffle_rounds": shuffle_rounds, "seed": seed}}
    if count >= 2 and shuffle_rounds > 0:
        shuffled = summarise([pair_scores(video_rhythms[v], audio_rhythms[a], settings)
                              for v, a in shuffled_pairs(count, shuffle_rounds, seed)])
        result["shuffled"] = shuffled
        result["range"] = {name: real[name]["mean"] - shuffled[name]["mean"]
                           for name in real if name in shuffled}
    return result


def score_clip_set(root, *, clips=None, settings=None, shuffle_rounds=3, seed=0, progress=True):
    """score_clips on the clips of a clip set directory (all, or the indices ``clips``), with the
    known ticks and tempo of metronome clips (tgan_music.evaluation.beats.clip_ticks)."""
    store = ClipStore(root)
    clips = range(len(store)) if clips is None else clips
    geometry = store.geometry
    seconds = geometry["frames"] / geometry["fps"]
    rows = [store.rows[c] for c in clips]
    return score_clips(
        [store.video(c) for c in clips], [store.audio(c) for c in clips],
        geometry["fps"], geometry["sample_rate"],
        ticks=[beats_mod.clip_ticks(row, seconds) for row in rows],
        tempi=[row.get("tempo_bpm") for row in rows],
        settings=settings, shuffle_rounds=shuffle_rounds, seed=seed, progress=progress)


def channels_last(videos):
    """Generator/dataset layout (n, C, T, H, W) -> a list of (T, H, W, C) clips for the metrics."""
    return [np.moveaxis(np.asarray(v), 0, -1) for v in videos]


@registry("metric").register("rhythm")
class RhythmMetrics:
    """The rhythm metrics as a configurable component.

    In ``train.metrics`` (training's metrics hook) it is called with an EvaluationContext:
    it generates ``samples`` clips for the music of the first dataset examples, scores each
    generated video against its conditioning music (ticks and tempo from the manifest) and
    returns the means of ``keys``, plus ``<key>_shuffled`` (the chance level) when ``shuffled``.
    ``score(videos, audios, ...)`` is the same on clips already at hand.
    """

    # Keyword defaults from RhythmSettings: the registry reads them as the config's args.
    def __init__(self, *, sigma_seconds: float = DEFAULT.sigma_seconds, audio_beats: str = DEFAULT.audio_beats,
                 prominence: float = DEFAULT.prominence, blur_pixels: float = DEFAULT.blur_pixels,
                 noise_floor: float = DEFAULT.noise_floor, min_bpm: float = DEFAULT.min_bpm,
                 max_bpm: float = DEFAULT.max_bpm, shuffle_rounds: int = 3,
                 seed: int = 0, samples: int = 16, keys: list = HEADLINE, shuffled: bool = True):
        self.settings = RhythmSettings(sigma_seconds=sigma_seconds, audio_beats=audio_beats,
                                       prominence=prominence, blur_pixels=blur_pixels,
                                       noise_floor=noise_floor, min_bpm=min_bpm, max_bpm=max_bpm)
        self.shuffle_rounds = shuffle_rounds
        self.seed = seed
        self.samples = samples
        self.keys = tuple(keys)
        self.shuffled = shuffled

    def score(self, videos, audios, fps, sample_rate, *, ticks=None, tempi=None, progress=False):
        """score_clips with these settings (videos (T, H, W, C) each)."""
        return score_clips(videos, audios, fps, sample_rate, ticks=ticks, tempi=tempi,
                           settings=self.settings, shuffle_rounds=self.shuffle_rounds if self.shuffled else 0,
                           seed=self.seed, progress=progress)

    def __call__(self, context):
        data = context.config["data"]
        videos, indices = context.sample(self.samples, seed=self.seed)
        dataset = context.dataset
        seconds = data["frames"] / data["fps"]
        rows = [dataset.row(int(i)) for i in indices]
        result = self.score(channels_last(videos), [dataset.audio(int(i)) for i in indices],
                            data["fps"], data["sample_rate"],
                            ticks=[beats_mod.clip_ticks(row, seconds) for row in rows],
                            tempi=[row.get("tempo_bpm") for row in rows])
        values = {}
        for key in self.keys:
            for part, suffix in (("real", ""), ("shuffled", "_shuffled")):
                if key in result.get(part, {}):
                    values[key + suffix] = result[part][key]["mean"]
        return values


def rhythm_metrics_from_config(evaluate):
    """RhythmMetrics from the ``evaluate`` config section (tgan_music/evaluation/defaults.py)."""
    return RhythmMetrics(**RhythmSettings.from_config(evaluate).as_dict(),
                         shuffle_rounds=evaluate["shuffle_rounds"], seed=evaluate["seed"])
