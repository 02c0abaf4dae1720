"""A music video from a song: windows of music -> generator -> stitched frames -> mp4 with the song.

Timing: output frame k (at the model's fps) is shown at k / fps seconds after ``start``
and was generated from the window whose music covers that instant (see windows.py).
The song's own audio, cut to [start, start + duration), is muxed in from t = 0.
"""
import os

import numpy as np

from tgan_music.atomic import write_json
from tgan_music.audio import load_audio
from tgan_music.embedding.encoders import build_encoder, to_numpy
from tgan_music.errors import UserError
from tgan_music.evaluation.rhythm import bas_fact
from tgan_music.evaluation.scoring import analyse_audio, analyse_video, pair_scores
from tgan_music.evaluation.settings import RhythmSettings
from tgan_music.evaluation.tempo import relative_error, tempo_relation
from tgan_music.generation.frames import change_fps, contact_sheet, seam_report
from tgan_music.generation.model import generate_videos, load_generator
from tgan_music.generation.windows import OVERLAP_FRAMES, WindowPlan
from tgan_music.video import to_uint8_frames, write_mp4

MAX_SECONDS = 600.0  # 10 minutes: the longest song the command promises to handle


def load_song(path, sample_rate, start=0.0, duration=None):
    """(audio float32 mono at sample_rate for [start, start+duration), song_seconds)."""
    audio = load_audio(path, sample_rate)
    total = len(audio) / sample_rate
    if start < 0 or start >= total:
        raise UserError(f"--start {start}: the song {path} is {total:.2f} s long; pick a start inside it")
    if duration is not None and duration <= 0:
        raise UserError(f"--duration {duration}: must be positive (seconds)")
    end = total if duration is None else min(total, start + duration)
    if end - start > MAX_SECONDS + 1e-6:
        raise UserError(f"{path}: {end - start:.0f} s selected, more than {MAX_SECONDS:.0f} s; "
                        "use --start/--duration to pick a segment of at most 10 minutes")
    return audio[int(round(start * sample_rate)):int(round(end * sample_rate))], total


def embed_windows(model, windows, checkpoint=None, device=None, starts=None):
    """Normalised music embeddings (count, frames, dims) of each window, with the model's encoder.
    ``starts``: the windows' first samples in the song, for encoders that read the song whole."""
    spec = dict(model.config["embedding"]["encoder"])
    spec["args"] = dict(spec.get("args") or {})
    if checkpoint is not None:
        spec["args"]["checkpoint"] = checkpoint
    encoder = build_encoder(spec, device)
    # the rhythm encoder reads the windows as one song (their tempi and beat phase); others encode
    # each window alone
    if hasattr(encoder, "encode_song"):
        emb = to_numpy(encoder.encode_song(windows, starts))
    else:
        emb = to_numpy(encoder.encode_batch(windows))
    return model.normalize(np.asarray(emb, np.float32))


def render_windows(model, embeddings, count, seed, device, batch=8, progress=None):
    """Generated clips (count, T, H, W, 3) float32 in [0, 255], one scene: the same z0 in every window."""
    z0 = model.gen.sample_z(1, np.random.RandomState(seed))
    videos = generate_videos(model.gen, np.repeat(z0, count, axis=0), embeddings, batch, progress)
    return np.stack([to_uint8_frames(v) for v in videos]).astype(np.float32)


TEMPO_WORDS = {"match": "the song's tempo", "double": "twice the song's tempo", "half": "half the song's tempo",
               "triple": "three times the song's tempo", "third": "a third of the song's tempo",
               "other": "not the song's tempo", "none": "no steady beat"}


def music_rhythm(audio, rate, evaluate_config):
    """The song's estimated beats (librosa.beat.beat_track) with the model's rhythm settings:
    (AudioRhythm, RhythmSettings)."""
    settings = RhythmSettings.from_config(evaluate_config).replace(audio_beats="beats")
    return analyse_audio(audio, rate, settings), settings


def random_bas(beats, seconds, sigma, step=0.005):
    """BAS (FACT) that motion beats at random times would get against ``beats``: the Gaussian hit
    averaged over the whole segment (a chance level for the line printed to the musician)."""
    beats = np.sort(np.asarray(beats, np.float64))
    if beats.size == 0 or seconds <= 0:
        return float("nan")
    return bas_fact(np.arange(0.0, seconds, step), beats, sigma)


def rhythm_report(frames, fps, music, settings, seconds):
    """The video's motion tempo and beat alignment against the song's estimated beats (JSON-able)."""
    video = analyse_video(frames, fps, settings)
    scores = pair_scores(video, music, settings)
    relation = tempo_relation(video.tempo_bpm, music.tempo_bpm)
    finite = lambda x: float(x) if x is not None and np.isfinite(x) else None  # noqa: E731
    return {
        "music": {"source": "librosa.beat.beat_track (estimated, not the score)",
                  "tempo_bpm": finite(music.tempo_bpm), "beats": [round(float(b), 3) for b in music.beats]},
        "video": {"motion_tempo_bpm": finite(video.tempo_bpm),
                  "motion_beats": [round(float(b), 3) for b in video.beats]},
        "alignment": {"tempo_relation": relation,
                      "tempo_error": finite(relative_error(video.tempo_bpm, music.tempo_bpm))
                      if np.isfinite(video.tempo_bpm) and np.isfinite(music.tempo_bpm) else None,
                      "bas_fact": finite(scores["bas_fact"]), "bas_bailando": finite(scores["bas_bailando"]),
                      "bas_fact_random": finite(random_bas(music.beats, seconds, settings.sigma_seconds)),
                      "sigma_seconds": settings.sigma_seconds},
    }


def rhythm_line(report):
    """One line for the musician: does the video follow the song?"""
    m, v, a = report["music"], report["video"], report["alignment"]
    song = f"song ~{m['tempo_bpm']:.0f} BPM ({len(m['beats'])} beats found by librosa)" if m["tempo_bpm"] \
        else "song: no beat found"
    motion = f"video moves at ~{v['motion_tempo_bpm']:.0f} BPM" if v["motion_tempo_bpm"] else "video: no steady motion"
    bas = "-" if a["bas_fact"] is None else f"{a['bas_fact']:.2f}"
    rnd = "-" if a["bas_fact_random"] is None else f"{a['bas_fact_random']:.2f}"
    return (f"{song}; {motion} ({TEMPO_WORDS[a['tempo_relation']]}); its stops land on the beats "
            f"{bas} (BAS, 1 = every stop on a beat, random motion {rnd})")


def generate_music_video(audio_path, out, *, model=None, start=0.0, duration=None, seed=0, variations=1,
                         fps=None, fps_method="blend", scale=1, overlap=OVERLAP_FRAMES, checkpoint=None, device=None,
                         show_progress=True, log=print, return_frames=False):
    """Writes ``out`` (mp4) — and ``out`` with ``_v1``, ``_v2``... for variations — plus a contact
    sheet PNG and a JSON report beside each. Returns the list of reports (with the frames at
    the model's fps as ``native_frames`` when ``return_frames``, e.g. for scoring)."""
    from tqdm import tqdm


    if not str(out).lower().endswith(".mp4"):
        raise UserError(f"--out {out}: the output must be an .mp4 file")
    trained = load_generator(model, device)
    data = trained.config["data"]
    model_fps, frames, rate = data["fps"], data["frames"], data["sample_rate"]
    fps = fps or model_fps
    audio, song_seconds = load_song(audio_path, rate, start, duration)
    seconds = len(audio) / rate
    clip_seconds = frames / model_fps
    if seconds < clip_seconds:
        log(f"note: {seconds:.2f} s of audio is shorter than one clip ({clip_seconds:.2f} s): "
            "the music is padded with silence for the model; the video is as long as the audio")
    if seconds <= 0:
        raise UserError(f"{audio_path}: no audio in the selected segment")
    plan = WindowPlan(len(audio), rate, model_fps, frames, min(overlap, frames - 1))
    windows = plan.window_audio(audio)
    embeddings = None
    if trained.conditioning != "none":
        embeddings = embed_windows(trained, windows, checkpoint, device,
                                   starts=plan.starts())
    music, settings = music_rhythm(audio, rate, trained.config["evaluate"])
    reports = []
    stem, ext = os.path.splitext(out)
    for v in range(variations):
        path = out if variations == 1 else f"{stem}_v{v + 1}{ext}"
        bar = tqdm(total=plan.count, desc=f"generating {os.path.basename(path)}", unit="window",
                   disable=not show_progress)
        clips = render_windows(trained, embeddings, plan.count, seed + v, device, progress=bar)
        bar.close()
        video = plan.stitch(clips)
        video = np.clip(video + 0.5, 0, 255).astype(np.uint8)
        seams = seam_report(video, plan.hop, plan.overlap)
        native = video
        video = change_fps(video, model_fps, fps, fps_method)
        sheet = os.path.splitext(path)[0] + "_sheet.png"
        report_path = os.path.splitext(path)[0] + ".json"
        report = {"video": path, "contact_sheet": sheet, "audio": audio_path, "start": start,
                  "seconds": seconds, "fps": fps, "fps_method": fps_method if fps != model_fps else "native",
                  "model_fps": model_fps, "scale": scale, "frames": int(len(video)), "windows": plan.count,
                  "window_overlap_frames": plan.overlap, "seed": seed + v, "model": trained.snapshot,
                  "conditioning": trained.conditioning, "seams": seams,
                  "rhythm": rhythm_report(native, model_fps, music, settings, seconds)}
        # Each file through a temporary beside it and a rename (never a part of one at its path);
        # when one of the three fails (a full disk) the others of this video are removed too.
        written = []
        try:
            written.append(write_mp4(path, video, fps, audio_file=(audio_path, start, seconds), scale=scale))
            written.append(contact_sheet(native, sheet, model_fps, label=f"{os.path.basename(audio_path)} "
                                         f"from {start:.1f} s, seed {seed + v}") or sheet)
            written.append(write_json(report_path, report))
        except BaseException:
            for done in written:
                if os.path.isfile(done):
                    os.remove(done)
            raise
        if return_frames:
            report = dict(report, native_frames=native)
        reports.append(report)
        log(f"wrote {path} ({seconds:.2f} s, {len(video)} frames at {fps} fps) and {sheet}")
        log(rhythm_line(report["rhythm"]))
    return reports
