"""`tgan-music evaluate MODEL --songs DIR`: a model on real songs whose beats are known exactly.

For every song of a songs directory (``tgan-music dataset songs``, tgan_music/data/songs.py) the
model makes ``seeds`` videos through the public generation API (``generate_music_video``: the
model's fps and size, consecutive windows, one scene per seed), at most ``duration`` seconds
each. Every video is scored against the score's beats with the project's rhythm functions
(scoring.py, rhythm.py, tempo.py; sigma and the motion settings from the model's ``evaluate``
config):

- tempo per tempo segment: the dominant period of the motion signal inside the segment within
  ±8 % (±4 %) of the segment's tempo; double/half/triple/third counted apart (octave errors);
- BAS both ways: FACT (mean over motion beats) and Bailando (mean over music beats);
- the phase of the motion minima relative to the beat (signed circular mean, in beats) and its
  consistency; AV-Align;
- flicker: mean absolute frame-to-frame change of grey levels (0-255), and its ratio to the
  upper bound's; seed spread: mean |a - b| between two seeds' videos of a song over their mean
  frame change (0 = the seeds make the same video);
- chance: each generated video scored against other songs' beats (``rounds`` other songs);
- upper bound: a bar that swings with its extremes on the beats (data/songs.bar_frames, rendered
  at the model's size and fps), scored the same way, and against other songs' beats;
- the rhythm encoder's ceiling: the same bar with its extremes on the beats the rhythm encoder
  finds in each generation window (embedding/rhythm.beat_times), shown half a frame early as the
  per-frame conditioning shows them (model/conditioning.MUSIC_LEAD_FRAMES). A generator locked to the
  encoder's phase (``pose: phase``) can do no better than this row; the gap between it and the
  bar is the encoder's, the gap below it the generator's.

Writes ``songs_evaluation.json`` and ``songs_evaluation.md`` into ``out``, the videos under
``out/videos``.
"""
import math
import os

import numpy as np

from tgan_music.audio import load_audio
from tgan_music.data.songs import bar_frames, read_song_set
from tgan_music.embedding import rhythm as rhythm_encoder
from tgan_music.errors import UserError
from tgan_music.evaluation import motion as motion_mod
from tgan_music.evaluation import rhythm, scoring, tempo
from tgan_music.atomic import write_text
from tgan_music.evaluation.evaluate import json_safe
from tgan_music.evaluation.metrics import columns
from tgan_music.evaluation.report import cell, metric_table
from tgan_music.evaluation.settings import RhythmSettings
from tgan_music.generation.model import load_generator
from tgan_music.generation.music_video import generate_music_video
from tgan_music.generation.windows import WindowPlan
from tgan_music.model.conditioning import MUSIC_LEAD_FRAMES

JSON_NAME, MARKDOWN_NAME = "songs_evaluation.json", "songs_evaluation.md"
ROWS = ("generated", "generated_other_song", "bar", "bar_other_song", "encoder_bar")
ROW_TITLES = {
    "generated": "generated, with its song",
    "generated_other_song": "generated, against another song's beats (chance)",
    "bar": "beat bar, with its song (upper bound)",
    "bar_other_song": "beat bar, against another song's beats",
    "encoder_bar": "bar on the rhythm encoder's beats (a phase-locked generator's ceiling)",
}
# report.metric_table's columns for this table, in its order (labels and formats: METRICS).
COLUMNS = columns(("tempo_acc8", "tempo_octave", "tempo_acc4", "bas_fact", "bas_bailando", "phase_offset",
                   "phase_consistency", "av_align", "flicker", "flicker_ratio", "seed_spread"))
# The metrics averaged over a song's videos: the columns and a few more for the JSON.
METRICS = tuple(m.key for m in COLUMNS) + ("tempo_double", "tempo_half", "tempo_other", "phase_error")


# -- analysis --------------------------------------------------------------------------------
class VideoAnalysis:
    """One video's motion: rhythm (beats, tempo), signal, grey frames' flicker."""

    def __init__(self, frames, fps, settings):
        self.rhythm = scoring.analyse_video(frames, fps, settings)
        self.signal = motion_mod.motion_signal(frames, fps, blur_pixels=settings.blur_pixels,
                                               noise_floor=settings.noise_floor)
        self.grey = motion_mod.to_grey(frames).astype(np.float32)
        self.flicker = motion_mod.frame_change(self.grey)
        self.seconds = len(self.grey) / fps


def window_beats(features, plan):
    """Seconds of the beats in consecutive windows' rhythm features (``plan``'s windows), each
    window owning the frames up to the middle of its overlaps with its neighbours."""
    beats = []
    for w, f in enumerate(features):
        start = w * plan.hop / plan.fps
        lo = 0.0 if w == 0 else start + plan.overlap / 2 / plan.fps
        hi = math.inf if w == plan.count - 1 else start + (plan.hop + plan.overlap / 2) / plan.fps
        t = start + rhythm_encoder.beat_times(f)
        beats.append(t[(t >= lo) & (t < hi)])
    return np.concatenate(beats) if beats else np.zeros(0)


def encoder_beat_times(audio, plan, latency=0.0):
    """The rhythm encoder's beats (seconds) over a song cut into ``plan``'s windows, as generation
    cuts it and with the tempi it chooses (``RhythmEncoder.encode_song``)."""
    windows = plan.window_audio(audio)
    if plan.sample_rate != rhythm_encoder.SAMPLE_RATE:
        import librosa
        windows = librosa.resample(windows, orig_sr=plan.sample_rate, target_sr=rhythm_encoder.SAMPLE_RATE)
    starts = plan.starts(rhythm_encoder.SAMPLE_RATE)
    return window_beats(rhythm_encoder.RhythmEncoder(latency=latency).encode_song(windows, starts), plan)


def song_reference(truth, audio, sample_rate, seconds, settings):
    """The score's beats and tempo segments within [0, seconds), with the audio's onsets."""
    beats = np.asarray(truth["beat_times"], np.float64)
    beats = beats[beats < seconds]
    segments = [dict(s, end=min(s["end"], seconds)) for s in truth["tempo_segments"] if s["start"] < seconds]
    mean_bpm = sum((s["end"] - s["start"]) * s["bpm"] for s in segments) / max(seconds, 1e-9)
    audio = audio[:int(round(seconds * sample_rate))]
    return {"audio": scoring.analyse_audio(audio, sample_rate, settings, ticks=beats, tempo_bpm=mean_bpm),
            "segments": segments}


def segment_tempi(video, segments, settings):
    """[{start, end, bpm, motion_bpm, relation}] for the segments long enough to show a tempo:
    at least two beats and eight motion samples."""
    out = []
    times, values = video.signal.times, video.signal.values
    for s in segments:
        mask = (times >= s["start"]) & (times < s["end"])
        if s["end"] - s["start"] < 2 * 60.0 / s["bpm"] or mask.sum() < 8:
            continue
        est = float("nan") if video.signal.static else tempo.dominant_tempo(
            values[mask], video.signal.fps, min_bpm=settings.min_bpm, max_bpm=settings.max_bpm)
        out.append({"start": s["start"], "end": s["end"], "bpm": s["bpm"], "motion_bpm": est,
                    "relation": tempo.tempo_relation(est, s["bpm"], tolerance=0.08),
                    "within4": bool(np.isfinite(est) and tempo.relative_error(est, s["bpm"]) <= 0.04)})
    return out


def score_pair(video, reference, settings):
    """Every metric of one video against one song's beats: ({metric: value}, segment tempi)."""
    scores = scoring.pair_scores(video.rhythm, reference["audio"], settings)
    for key in [k for k in scores if k.startswith("tempo_")]:
        del scores[key]  # replaced by the per-segment tempo below
    segs = segment_tempi(video, reference["segments"], settings)
    if segs:
        rel = [s["relation"] for s in segs]
        scores["tempo_acc8"] = float(np.mean([r == "match" for r in rel]))
        scores["tempo_acc4"] = float(np.mean([s["within4"] for s in segs]))
        for name in tempo.OCTAVE_RELATIONS:
            scores[f"tempo_{name}"] = float(np.mean([r == name for r in rel]))
        scores["tempo_octave"] = float(np.mean([r in tempo.OCTAVE_RELATIONS for r in rel]))
        scores["tempo_other"] = float(np.mean([r in ("other", "none") for r in rel]))
    phase = rhythm.phase_error(video.rhythm.beats, reference["audio"].ticks)
    scores["phase_offset"] = phase["phase_offset"]
    return scores, segs


def seed_spread(videos):
    """motion.seed_spread of the videos' grey frames."""
    return motion_mod.seed_spread([v.grey for v in videos])


def _mean(rows, key):
    values = np.array([r[key] for r in rows if r.get(key) is not None], np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def bootstrap_interval(values, rounds=2000, seed=0):
    """95 % percentile bootstrap interval of the mean of ``values`` (NaN for fewer than 2)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], np.float64)
    if values.size < 2:
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, (rounds, values.size))].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


# -- the whole evaluation ----------------------------------------------------------------------
def evaluate_songs(model, songs_dir, *, seeds=3, duration=20.0, out=None, rounds=3, device=None,
                   progress=True, write=True):
    """Evaluates ``model`` (a model directory, a snapshot or None = the shipped model) on the songs
    in ``songs_dir`` (see the module docstring). Returns the result dict; writes it when ``write``."""

    if seeds < 1:
        raise UserError(f"--seeds {seeds}: give at least one seed")
    if duration is not None and duration <= 0:
        raise UserError(f"--duration {duration}: must be positive (seconds)")
    songs = read_song_set(songs_dir)
    trained = load_generator(model, device)
    config = trained.config
    data = config["data"]
    fps, height, width, rate = data["fps"], data["height"], data["width"], data["sample_rate"]
    settings = RhythmSettings.from_config(config["evaluate"])
    spec = config["embedding"]["encoder"]
    # the encoder bar uses the model's rhythm latency (other encoders have none: the plain rhythm encoder's)
    encoder_latency = float(((spec.get("args") or {}) if isinstance(spec, dict) else {}).get("latency") or 0.0)
    out = out or os.path.join(songs_dir, "evaluation", config["name"])
    video_dir = os.path.join(out, "videos")
    os.makedirs(video_dir, exist_ok=True)
    iterator = songs
    if progress:
        from tqdm import tqdm
        iterator = tqdm(songs, desc="songs", unit="song")
    analysed = []  # per song: (entry, truth, seconds, audio, [VideoAnalysis], bar's, encoder bar's, paths)
    for entry, truth in iterator:
        seconds = truth["duration"] if duration is None else min(duration, truth["duration"])
        reports = generate_music_video(entry["audio_path"], os.path.join(video_dir, entry["name"] + ".mp4"),
                                       model=model, duration=seconds, seed=0, variations=seeds, device=device,
                                       show_progress=False, log=lambda *a, **k: None, return_frames=True)
        videos = [VideoAnalysis(r["native_frames"], fps, settings) for r in reports]
        seconds = videos[0].seconds
        bar = VideoAnalysis(bar_frames(truth["beat_times"], seconds, fps, width, height), fps, settings)
        audio = load_audio(entry["audio_path"], rate)
        plan = WindowPlan(int(round(seconds * rate)), rate, fps, data["frames"], reports[0]["window_overlap_frames"])
        # a generator locked to the encoder's phase frame by frame shows its beats this much early
        encoder_beats = encoder_beat_times(audio[:int(round(seconds * rate))], plan, encoder_latency) \
            - MUSIC_LEAD_FRAMES / fps
        encoder_bar = VideoAnalysis(bar_frames(encoder_beats, seconds, fps, width, height), fps, settings)
        analysed.append((entry, truth, seconds, audio, videos, bar, encoder_bar, [r["video"] for r in reports]))

    count = len(analysed)
    rounds = min(rounds, count - 1)
    rows = {name: [] for name in ROWS}
    per_song = []
    for i, (entry, truth, seconds, audio, videos, bar, encoder_bar, paths) in enumerate(analysed):
        ref = song_reference(truth, audio, rate, seconds, settings)
        bar_scores, bar_segs = score_pair(bar, ref, settings)
        bar_scores["flicker"] = bar.flicker
        bar_scores["flicker_ratio"] = 1.0
        rows["bar"].append(bar_scores)
        encoder_scores = score_pair(encoder_bar, ref, settings)[0]
        rows["encoder_bar"].append(encoder_scores)
        gen_rows = []
        for v in videos:
            s, segs = score_pair(v, ref, settings)
            s["flicker"] = v.flicker
            s["flicker_ratio"] = v.flicker / bar.flicker if bar.flicker > 0 else float("nan")
            s["segments"] = segs
            gen_rows.append(s)
        spread = seed_spread(videos)
        for s in gen_rows:
            s["seed_spread"] = spread
        rows["generated"] += gen_rows
        for r in range(1, rounds + 1):
            j = (i + r) % count
            other_truth, other_audio = analysed[j][1], analysed[j][3]
            other = song_reference(other_truth, other_audio, rate, seconds, settings)
            for v in videos:
                rows["generated_other_song"].append(score_pair(v, other, settings)[0])
            rows["bar_other_song"].append(score_pair(bar, other, settings)[0])
        per_song.append({
            "name": entry["name"], "piece": entry["piece"], "meter": truth["meter"],
            "tempo_segments": ref["segments"], "instrument": truth["instrument"], "drums": truth["drums"],
            "audio_format": truth["audio_format"], "seconds": seconds, "videos": paths,
            "generated": {k: _mean(gen_rows, k) for k in METRICS},
            "generated_per_seed": [{k: v for k, v in s.items()} for s in gen_rows],
            "bar": {k: bar_scores.get(k) for k in METRICS}, "bar_segments": bar_segs,
            "encoder_bar": {k: encoder_scores.get(k) for k in METRICS},
        })
    means = {name: {k: _mean(rs, k) for k in METRICS if any(k in r for r in rs)} for name, rs in rows.items()}
    # Intervals over songs (the unit that varies): the bootstrap of the per-song means.
    intervals = {"generated": {k: bootstrap_interval([s["generated"][k] for s in per_song])
                               for k in ("tempo_acc8", "tempo_octave", "bas_fact", "bas_bailando", "flicker_ratio",
                                         "seed_spread")}}
    result = {
        "model": os.path.abspath(trained.result_dir), "snapshot": os.path.basename(trained.snapshot),
        "name": config["name"], "conditioning": trained.conditioning,
        "songs_dir": os.path.abspath(songs_dir), "songs": count, "seeds": seeds,
        "duration_limit": duration, "other_song_rounds": rounds,
        "geometry": {"fps": fps, "height": height, "width": width, "sample_rate": rate},
        "rhythm_settings": dict(settings.__dict__, bas="bas_fact: FACT/AIST++ (mean over motion beats); "
                                                       "bas_bailando: Bailando (mean over music beats)"),
        "rows": means, "intervals95": intervals,
        "videos_scored": {name: len(rs) for name, rs in rows.items()},
        "per_song": per_song,
    }
    if write:
        import json
        write_text(os.path.join(out, JSON_NAME), json.dumps(json_safe(result), indent=1))
        write_text(os.path.join(out, MARKDOWN_NAME), songs_markdown(result))
    result["out"] = out
    return result


# -- the report -----------------------------------------------------------------------------
LEGEND = (
    "Each generated video is scored against its song's beats from the score (no beat tracker). "
    "tempo ±8 %/±4 %: the motion's dominant tempo within each tempo segment agrees with the "
    "segment's (fraction of segments); octave errors: it is twice/half/three times/a third of it "
    "instead; BAS (FACT: mean over motion beats; Bailando: mean over music beats; sigma "
    "{sigma:g} s); minima phase: signed circular mean of the motion minima's position in the beat "
    "(0 = on the beat, ±0.5 = off-beat); phase consistency: 1 when every minimum has the same phase; "
    "flicker: mean absolute frame-to-frame change of grey levels (0-255) and its ratio to the beat "
    "bar's; seed spread: mean |a - b| between two seeds' videos over their mean frame change. "
    "Chance: the same videos against other songs' beats. Upper bound: a bar swinging with its "
    "extremes on the beats, at the model's size and fps; the encoder's ceiling: the same bar on the beats "
    "the rhythm encoder finds in each generation window.")


def songs_markdown(result):
    rows = [(ROW_TITLES[name], result["rows"][name]) for name in ROWS if result["rows"].get(name)]
    g = result["geometry"]
    ci = result["intervals95"]["generated"]
    lines = [
        f"# {result['name']} on the songs benchmark ({result['conditioning']} conditioning)", "",
        f"- model: `{result['model']}` / `{result['snapshot']}`",
        f"- songs: {result['songs']} from `{result['songs_dir']}`, at most "
        f"{cell(result['duration_limit'], '{:g}')} s each, {result['seeds']} seeds per song "
        f"({result['videos_scored']['generated']} videos); chance against {result['other_song_rounds']} "
        "other song(s) each",
        f"- videos: {g['fps']} fps, {g['height']}x{g['width']} (the model's), music at {g['sample_rate']} Hz",
        f"- 95 % intervals over songs (bootstrap), generated: tempo ±8 % "
        f"{cell(ci['tempo_acc8'][0], '{:.2f}')}-{cell(ci['tempo_acc8'][1], '{:.2f}')}, BAS (FACT) "
        f"{cell(ci['bas_fact'][0], '{:.3f}')}-{cell(ci['bas_fact'][1], '{:.3f}')}, BAS (Bailando) "
        f"{cell(ci['bas_bailando'][0], '{:.3f}')}-{cell(ci['bas_bailando'][1], '{:.3f}')}",
        "", metric_table(rows, columns=COLUMNS), "",
        LEGEND.format(sigma=result["rhythm_settings"]["sigma_seconds"]), "",
        "Per song (generated: mean over seeds; motion tempo per segment, median over seeds):", "",
        "| song | piece | meter | tempo (BPM) | sound | motion tempo (BPM) | tempo ±8 % | BAS (FACT) | "
        "BAS (Bailando) | bar BAS (FACT) | bar tempo ±8 % | encoder bar BAS (FACT) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in result["per_song"]:
        bpm = " → ".join(f"{seg['bpm']:.0f}" for seg in s["tempo_segments"])
        motion = []
        for k in range(len(s["bar_segments"])):
            est = [row["segments"][k]["motion_bpm"] for row in s["generated_per_seed"]
                   if len(row.get("segments", [])) > k and row["segments"][k]["motion_bpm"] is not None]
            est = [e for e in est if math.isfinite(e)]
            motion.append(f"{np.median(est):.0f}" if est else "-")
        sound = f"{s['instrument']}{' + drums' if s['drums'] else ''}, {s['audio_format']}"
        gen, bar = s["generated"], s["bar"]
        lines.append(f"| {s['name']} | {s['piece']} | {s['meter']} | {bpm} | {sound} | {' → '.join(motion) or '-'} | "
                     f"{cell(gen['tempo_acc8'], '{:.2f}')} | {cell(gen['bas_fact'], '{:.3f}')} | "
                     f"{cell(gen['bas_bailando'], '{:.3f}')} | {cell(bar['bas_fact'], '{:.3f}')} | "
                     f"{cell(bar.get('tempo_acc8'), '{:.2f}')} | "
                     f"{cell(s.get('encoder_bar', {}).get('bas_fact'), '{:.3f}')} |")
    return "\n".join(lines) + "\n"
