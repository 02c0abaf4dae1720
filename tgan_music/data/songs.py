"""The songs benchmark: real compositions with exact beats, rendered from scores.

Scores come from the music21 corpus (it ships inside the ``music21`` package): Bach chorales,
Mozart/Haydn/Beethoven string-quartet movements, folk tunes (Essen collection, Ryan's Mammoth).
Only simple meters (2/4, 3/4, 4/4) are used, so the notated beat is the quarter note.

A song is written as MIDI by this module (not by music21: the tempo map must be known
exactly), at a tempo drawn across 50-200 BPM, in 30 % of the songs with a tempo step on a bar
line, then rendered with FluidSynth and a General MIDI soundfont, and encoded by ffmpeg as
wav/flac/ogg/mp3/m4a, mono or stereo, 22.05-48 kHz. The beat times in the JSON beside each song
follow from the score: beat k sits at ``lead_in + seconds(q_k)`` where ``q_k`` is its position
in quarter notes (pickup bars handled by the bar lines) and ``seconds`` integrates the tempo
map. No beat tracker is involved.

Beside each song: ``NAME.json`` (the ground truth, docs/data.md), ``NAME_bar.mp4`` (the upper
bound: a bar that swings with its extremes on the beats, muxed with the song). ``songs.json``
lists the songs. Everything random comes from ``SeedSequence([seed, index])``.
"""
import json
import os
import shutil
import struct
import subprocess
import tempfile

import numpy as np

from tgan_music.atomic import write_json
from tgan_music.data.metronome import _poly_coverage, _rotate
from tgan_music.errors import UserError
from tgan_music.video import write_mp4

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
TRUTH_FORMAT = "tgan-music song ground truth"
MANIFEST_FORMAT = "tgan-music songs manifest"
MANIFEST_NAME = "songs.json"
VERSION = 1
TEMPO_RANGE = (50.0, 200.0)
TICKS_PER_QUARTER = 960
SIMPLE_METERS = ("2/4", "3/4", "4/4")

# (corpus path, opus number or None): simple meters, one time signature throughout, >= 10 bars.
CATALOGUE = (
    ("bach/bwv66.6", None), ("mozart/k80/movement3", None), ("essenFolksong/altdeu20", 10),
    ("haydn/opus74no1/movement3", None), ("bach/bwv269", None), ("mozart/k155/movement1", None),
    ("essenFolksong/han2", 19), ("beethoven/opus18no1/movement3", None), ("bach/bwv111.6", None),
    ("ryansMammoth/AWillieWeHaveMissdYouStrathspey", None), ("haydn/opus74no1/movement1", None),
    ("essenFolksong/kinder", 9), ("bach/bwv120.6", None), ("mozart/k156/movement3", None),
    ("essenFolksong/ballad10", 21), ("bach/bwv122.6", None), ("joplin/maple_leaf_rag", None),
    ("schubert/Lindenbaum", None),
)
# General MIDI programs (0-based) per part, cycled over the parts.
INSTRUMENTS = {
    "piano": (0,),
    "strings": (40, 40, 41, 42),
    "winds": (73, 68, 71, 70),
    "organ": (19,),
}
AUDIO_FORMATS = {  # extension -> ffmpeg codec arguments
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
    "m4a": ["-c:a", "aac", "-b:a", "160k"],
}
SAMPLE_RATES = (22050, 32000, 44100, 48000)
DRUM_CHANNEL = 9  # GM channel 10
KICK, SNARE, HIHAT = 36, 38, 42


# -- tools ------------------------------------------------------------------------------
def require_renderer(soundfont=SOUNDFONT):
    """UserError (one line saying what to install) unless music21, FluidSynth, the soundfont
    and ffmpeg are all there."""
    missing = []
    try:
        import music21  # noqa: F401
    except ImportError:
        missing.append("the Python package music21 (pip install 'tgan-music[songs]')")
    if shutil.which("fluidsynth") is None:
        missing.append("FluidSynth (apt-get install fluidsynth)")
    if not os.path.isfile(soundfont):
        missing.append(f"the General MIDI soundfont {soundfont} (apt-get install fluid-soundfont-gm)")
    if shutil.which("ffmpeg") is None:
        missing.append("ffmpeg (apt-get install ffmpeg)")
    if missing:
        raise UserError("rendering songs needs " + "; ".join(missing) +
                        "; `EXTRAS=songs tools/bootstrap.sh` (as root) installs them all")


# -- the score --------------------------------------------------------------------------
def load_score(path, number=None):
    from music21 import corpus
    return corpus.parse(path, number=number) if number is not None else corpus.parse(path)


def score_events(score):
    """What rendering needs from a music21 score, in quarter notes from its start:
    ``{"meter", "beats_per_bar", "beats", "downbeats", "end", "pickup", "parts": [[(onset, length,
    midi pitch), ...] per part], "title", "composer"}``. UserError for meters other than 2/4, 3/4, 4/4."""
    from music21 import meter
    signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
    ratios = sorted({ts.ratioString for ts in signatures})
    if len(ratios) != 1 or ratios[0] not in SIMPLE_METERS:
        raise UserError(f"time signatures {ratios}: only one simple meter ({', '.join(SIMPLE_METERS)}) is used")
    ts = signatures[0]
    per_bar = int(ts.numerator)
    bar = float(per_bar)  # quarter notes per bar (x/4)
    parts = list(score.parts) or [score]
    measures = list(parts[0].getElementsByClass("Measure"))
    beats, downbeats, pickup = [], [], 0.0
    for n, m in enumerate(measures):
        start, length = float(m.offset), float(m.duration.quarterLength)
        pad = float(m.paddingLeft or 0.0)
        if n == 0 and pad == 0.0 and 0 < length < bar - 1e-6:
            pad = bar - length  # a pickup bar without its padding set
        if n == 0 and pad > 0:
            pickup = length
        virtual = start - pad  # where the bar would start if it were complete
        if pad == 0.0:
            downbeats.append(start)
        for j in range(per_bar):
            b = virtual + j
            if start - 1e-6 <= b < start + length - 1e-6:
                beats.append(b)
    notes = []
    for part in parts:
        events = []
        for el in part.stripTies().flatten().notes:
            length = float(el.quarterLength)
            if length <= 0:
                continue  # grace notes
            for p in getattr(el, "pitches", ()):
                events.append((float(el.offset), length, int(p.midi)))
        if events:
            notes.append(sorted(events))
    end = float(score.highestTime)
    md = score.metadata
    return {"meter": ts.ratioString, "beats_per_bar": per_bar, "beats": beats, "downbeats": downbeats,
            "end": end, "pickup": pickup,
            "parts": notes, "title": (md.title if md else None) or "", "composer": (md.composer if md else None) or ""}


# -- tempo map --------------------------------------------------------------------------
def exact_bpm(bpm):
    """The tempo a MIDI file can hold exactly: 60e6 / whole microseconds per quarter note."""
    us = int(round(60e6 / bpm))
    return 60e6 / us, us


def quarters_to_seconds(q, tempo_map, lead_in):
    """Seconds of score positions ``q`` (quarter notes) under ``tempo_map`` [(q_start, bpm), ...]
    (q_start increasing from 0; the tempo holds until the next entry), after ``lead_in`` s."""
    q = np.asarray(q, np.float64)
    starts = np.array([s for s, _ in tempo_map], np.float64)
    spq = np.array([60.0 / b for _, b in tempo_map], np.float64)
    cum = np.concatenate([[0.0], np.cumsum(np.diff(starts) * spq[:-1])])
    idx = np.clip(np.searchsorted(starts, q, side="right") - 1, 0, len(starts) - 1)
    return lead_in + cum[idx] + (q - starts[idx]) * spq[idx]


# -- random per-song choices ------------------------------------------------------------
def _log_uniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def draw_params(seed, index):
    """Every random choice of song ``index`` of ``seed`` (JSON-able)."""
    order = np.random.default_rng(np.random.SeedSequence([int(seed)])).permutation(len(CATALOGUE))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))
    piece = CATALOGUE[int(order[index % len(CATALOGUE)])]
    bpm0 = _log_uniform(rng, *TEMPO_RANGE)
    step = bool(rng.uniform() < 0.3)
    bpm1 = bpm0
    while step and abs(np.log(bpm1 / bpm0)) < 0.15:
        bpm1 = _log_uniform(rng, *TEMPO_RANGE)
    return {
        "seed": int(seed), "index": int(index), "corpus": piece[0], "number": piece[1],
        "bpm": bpm0, "step": step, "bpm_after_step": bpm1, "step_at": float(rng.uniform(0.35, 0.65)),
        "lead_in": float(rng.uniform(0.3, 1.5)),
        "instrument": str(rng.choice(sorted(INSTRUMENTS))),
        "drums": bool(rng.uniform() < 0.4),
        "audio_format": str(list(AUDIO_FORMATS)[(int(seed) + int(index)) % len(AUDIO_FORMATS)]),
        "sample_rate": int(rng.choice(SAMPLE_RATES)),
        "channels": int(rng.choice([1, 2])),
        "velocity_jitter": int(rng.integers(0, 8)),
        "render_seed": int(rng.integers(2 ** 31)),
    }


def song_name(seed, index):
    return f"song_{seed}_{index:03d}"


# -- one song's plan: tempo map, beats, MIDI notes ----------------------------------------
def plan_song(p, events, max_seconds):
    """(truth dict without file names, MIDI tracks, tempo map) of one song."""
    bpm0, us0 = exact_bpm(p["bpm"])
    # The lead-in is whole MIDI ticks at the first tempo, so its length in seconds is exact.
    lead_ticks = int(round(p["lead_in"] * bpm0 / 60.0 * TICKS_PER_QUARTER))
    lead_q = lead_ticks / TICKS_PER_QUARTER
    lead_in = lead_q * 60.0 / bpm0
    tempo_map = [(0.0, bpm0)]
    tempo_us = [(0, us0)]
    end_q = min(events["end"], (max_seconds - lead_in) * bpm0 / 60.0 + 1e-9)
    step = None
    if p["step"]:
        # The bar line nearest step_at of the rendered part (under the first tempo).
        target = p["step_at"] * end_q
        bars = [d for d in events["downbeats"] if 0.2 * end_q < d < 0.8 * end_q]
        if bars:
            q_step = min(bars, key=lambda d: abs(d - target))
            bpm1, us1 = exact_bpm(p["bpm_after_step"])
            tempo_map.append((q_step, bpm1))
            tempo_us.append((int(round((q_step + lead_q) * TICKS_PER_QUARTER)), us1))
            step = q_step
    seconds = lambda q: quarters_to_seconds(q, tempo_map, lead_in)  # noqa: E731
    duration = float(min(max_seconds, seconds(events["end"]) + 1.0))
    beats_q = np.asarray(events["beats"], np.float64)
    beat_t = seconds(beats_q)
    keep = beat_t < duration
    down = set(events["downbeats"])
    beat_list = [round(float(t), 6) for t in beat_t[keep]]
    downbeat_list = [round(float(t), 6) for q, t in zip(beats_q[keep], beat_t[keep]) if q in down]
    if step is not None:
        t_step = float(seconds(step))
        segments = [{"start": 0.0, "end": t_step, "bpm": bpm0},
                    {"start": t_step, "end": duration, "bpm": tempo_map[1][1]}]
    else:
        t_step = None
        segments = [{"start": 0.0, "end": duration, "bpm": bpm0}]
    # MIDI notes: accents by the beat in the bar, a little velocity noise.
    rng = np.random.default_rng(p["render_seed"])
    per_bar = events["beats_per_bar"]
    first_down = events["downbeats"][0] if events["downbeats"] else 0.0
    programs = INSTRUMENTS[p["instrument"]]
    tracks = []
    for n, part in enumerate(events["parts"][:15]):
        channel = n if n < DRUM_CHANNEL else n + 1
        notes = []
        for onset, length, pitch in part:
            if seconds(onset) >= duration:
                break
            pos = (onset - first_down) % per_bar
            vel = 88 if abs(pos) < 1e-6 else (76 if abs(pos - round(pos)) < 1e-6 else 66)
            vel += int(rng.integers(-p["velocity_jitter"], p["velocity_jitter"] + 1))
            notes.append((onset + lead_q, onset + lead_q + max(length * 0.95, length - 0.05), pitch,
                          int(np.clip(vel, 1, 127))))
        tracks.append({"channel": channel, "program": programs[n % len(programs)], "notes": notes})
    if p["drums"]:
        notes = []
        for q in beats_q[keep]:
            pos = int(round((q - first_down) % per_bar))
            notes.append((q + lead_q, q + lead_q + 0.25, HIHAT, 60))
            if pos == 0:
                notes.append((q + lead_q, q + lead_q + 0.25, KICK, 104))
            elif per_bar != 3 and pos % 2 == 1:
                notes.append((q + lead_q, q + lead_q + 0.25, SNARE, 90))
        tracks.append({"channel": DRUM_CHANNEL, "program": 0, "notes": notes})
    truth = {
        "format": TRUTH_FORMAT, "version": VERSION, "seed": p["seed"], "index": p["index"],
        "source": {"corpus": p["corpus"], "number": p["number"], "title": events["title"],
                   "composer": events["composer"]},
        "meter": events["meter"], "beats_per_bar": per_bar, "beat_unit": "quarter note",
        "pickup_quarters": events["pickup"], "lead_in": lead_in, "duration": duration,
        "tempo_segments": segments, "tempo_step_time": t_step,
        "tempo_bpm_mean": float(sum((s["end"] - s["start"]) * s["bpm"] for s in segments) / duration),
        "beat_times": beat_list, "downbeat_times": downbeat_list,
        "instrument": p["instrument"], "programs": [t["program"] for t in tracks if t["channel"] != DRUM_CHANNEL],
        "drums": p["drums"], "audio_format": p["audio_format"], "sample_rate": p["sample_rate"],
        "channels": p["channels"], "params": p,
    }
    return truth, tracks, tempo_us, events["meter"]


# -- MIDI -------------------------------------------------------------------------------
def _vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def _track(events):
    """events: [(tick, order, bytes)] -> an MTrk chunk (sorted; end-of-track appended)."""
    data, last = b"", 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        data += _vlq(tick - last) + msg
        last = tick
    data += _vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + data


def write_midi(path, tracks, tempo_us, meter):
    """A format-1 Standard MIDI File: a conductor track (tempo map in ticks, meter), one per part."""
    num, den = (int(v) for v in meter.split("/"))
    conductor = [(0, 0, b"\xff\x58\x04" + bytes([num, int(np.log2(den)), 24, 8]))]
    conductor += [(tick, 1, b"\xff\x51\x03" + us.to_bytes(3, "big")) for tick, us in tempo_us]
    chunks = [_track(conductor)]
    tick = lambda q: int(round(q * TICKS_PER_QUARTER))  # noqa: E731
    for t in tracks:
        ch = t["channel"]
        ev = [(0, 0, bytes([0xC0 | ch, t["program"]]))]
        for on, off, pitch, vel in t["notes"]:
            ev.append((tick(on), 2, bytes([0x90 | ch, pitch, vel])))
            ev.append((max(tick(off), tick(on) + 1), 1, bytes([0x80 | ch, pitch, 0])))  # offs before ons
        chunks.append(_track(ev))
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), TICKS_PER_QUARTER)
    with open(path, "wb") as f:
        f.write(header + b"".join(chunks))


# -- audio --------------------------------------------------------------------------------
def render_midi(midi, wav, sample_rate, soundfont=SOUNDFONT):
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.6", "-F", wav, "-r", str(sample_rate), soundfont, midi]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.isfile(wav):
        err = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise RuntimeError(f"fluidsynth failed on {midi}: {err[-1] if err else proc.returncode}")


def encode_audio(wav, out, duration, fmt, channels, sample_rate, tmpdir):
    """Peak-normalises, cuts to ``duration`` with a 0.3 s fade-out and encodes ``out`` with ffmpeg."""
    import soundfile
    audio, rate = soundfile.read(wav, dtype="float32", always_2d=True)
    n = int(round(duration * rate))
    audio = audio[:n]
    if len(audio) < n:
        audio = np.concatenate([audio, np.zeros((n - len(audio), audio.shape[1]), np.float32)])
    fade = min(n, int(0.3 * rate))
    audio[n - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    audio = audio.mean(axis=1, keepdims=True) if channels == 1 else audio[:, :2]
    audio *= 0.9 / max(float(np.abs(audio).max()), 1e-6)
    pcm = os.path.join(tmpdir, "mix.wav")
    soundfile.write(pcm, audio, rate, subtype="FLOAT")
    # bitexact: no random Ogg serial numbers or encoder tags, so a seed gives the same bytes.
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", pcm, "-ar", str(sample_rate),
           "-ac", str(channels), *AUDIO_FORMATS[fmt], "-fflags", "+bitexact", "-flags:a", "+bitexact", out]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        err = proc.stderr.strip().splitlines()
        raise RuntimeError(f"ffmpeg failed writing {out}: {err[-1] if err else proc.returncode}")


# -- the upper bound: a bar swinging with its extremes on the beats ---------------------------
def beat_phase(beat_times, t):
    """Swing phase at times ``t``: pi/2 + pi * (beat index, interpolated between the beats and
    extrapolated with the first/last interval), so the bar is at an extreme on every beat."""
    b = np.asarray(beat_times, np.float64)
    t = np.asarray(t, np.float64)
    if b.size < 2:
        return np.full_like(t, np.pi / 2)
    k = np.interp(t, b, np.arange(b.size))
    before, after = t < b[0], t > b[-1]
    k = np.where(before, (t - b[0]) / (b[1] - b[0]), k)
    k = np.where(after, b.size - 1 + (t - b[-1]) / (b[-1] - b[-2]), k)
    return np.pi / 2 + np.pi * k


def bar_frames(beat_times, seconds, fps, width, height, amplitude_deg=35.0):
    """uint8 (frames, height, width, 3): a white bar on black pivoting at the bottom centre,
    angle = amplitude * sin(phase) (beat_phase); frame j shows time j / fps."""
    frames = max(3, int(round(seconds * fps)))
    phase = beat_phase(beat_times, np.arange(frames) / fps)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    px, py = width / 2.0, height * 0.92
    length, w = height * 0.8, max(1.5, 0.08 * width)
    shape = [(-w / 2, 0.0), (w / 2, 0.0), (w / 2, -length), (-w / 2, -length)]
    out = np.empty((frames, height, width, 3), np.uint8)
    for j, ph in enumerate(phase):
        angle = np.radians(amplitude_deg) * np.sin(ph)
        cov = _poly_coverage(xs, ys, _rotate(shape, angle, px, py))
        out[j] = np.round(cov * 255.0).astype(np.uint8)[..., None]
    return out


# -- the set ------------------------------------------------------------------------------
def render_song(p, out_dir, max_seconds, bar_size=(128, 96), bar_fps=12, soundfont=SOUNDFONT):
    """Renders song ``p`` (draw_params) into ``out_dir``: audio, JSON, bar video. Returns its manifest entry."""
    name = song_name(p["seed"], p["index"])
    events = score_events(load_score(p["corpus"], p["number"]))
    truth, tracks, tempo_us, meter = plan_song(p, events, max_seconds)
    audio_name = f"{name}.{p['audio_format']}"
    truth.update(audio=audio_name, bar_video=f"{name}_bar.mp4", bar_fps=bar_fps,
                 bar_size=list(bar_size))
    tmpdir = tempfile.mkdtemp(prefix=name + ".", dir=out_dir)
    try:
        midi = os.path.join(tmpdir, "song.mid")
        write_midi(midi, tracks, tempo_us, meter)
        wav = os.path.join(tmpdir, "synth.wav")
        render_midi(midi, wav, p["sample_rate"], soundfont)
        tmp_audio = os.path.join(tmpdir, audio_name)
        encode_audio(wav, tmp_audio, truth["duration"], p["audio_format"], p["channels"], p["sample_rate"],
                     tmpdir)
        frames = bar_frames(truth["beat_times"], truth["duration"], bar_fps, *bar_size)
        tmp_bar = os.path.join(tmpdir, "bar.mp4")
        write_mp4(tmp_bar, frames, bar_fps, audio_file=(tmp_audio, 0.0, truth["duration"]), preset="veryfast")
        shutil.copyfile(midi, os.path.join(out_dir, name + ".mid"))
        with open(os.path.join(tmpdir, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=1)
        # The JSON first: a song on disk always has its ground truth.
        os.replace(os.path.join(tmpdir, "truth.json"), os.path.join(out_dir, name + ".json"))
        os.replace(tmp_bar, os.path.join(out_dir, truth["bar_video"]))
        os.replace(tmp_audio, os.path.join(out_dir, audio_name))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return manifest_entry(name, truth)


def manifest_entry(name, truth):
    return {"name": name, "audio": truth["audio"], "truth": name + ".json", "bar_video": truth["bar_video"],
            "piece": truth["source"]["corpus"] + (f" #{truth['source']['number']}" if truth["source"]["number"]
                                                   else ""),
            "meter": truth["meter"], "bpm": [round(s["bpm"], 2) for s in truth["tempo_segments"]],
            "duration": truth["duration"], "instrument": truth["instrument"], "drums": truth["drums"],
            "audio_format": truth["audio_format"], "sample_rate": truth["sample_rate"],
            "channels": truth["channels"]}


def _render_job(job):
    p, out_dir, max_seconds, bar_size, bar_fps, soundfont = job
    name = song_name(p["seed"], p["index"])
    truth_path = os.path.join(out_dir, name + ".json")
    if os.path.isfile(truth_path):
        with open(truth_path, encoding="utf-8") as f:
            truth = json.load(f)
        done = (truth.get("params") == p and truth.get("duration_limit") == max_seconds
                and all(os.path.isfile(os.path.join(out_dir, truth[k])) for k in ("audio", "bar_video")))
        if done:
            return manifest_entry(name, truth)
    entry = render_song(p, out_dir, max_seconds, bar_size, bar_fps, soundfont)
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    truth["duration_limit"] = max_seconds
    write_json(truth_path, truth, indent=1)
    return entry


def render_song_set(out_dir, songs=8, seed=0, duration=30.0, bar_size=(128, 96), bar_fps=12, workers=None,
                    soundfont=SOUNDFONT, progress=True):
    """Renders ``songs`` songs into ``out_dir`` (songs already there with the same parameters are
    kept) and writes the manifest ``songs.json``. Returns the manifest."""
    if songs < 1:
        raise UserError(f"--songs {songs}: render at least one song")
    if duration is None or duration < 4:
        raise UserError(f"--duration {duration}: give at least 4 seconds per song")
    require_renderer(soundfont)
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(draw_params(seed, i), out_dir, float(duration), tuple(bar_size), int(bar_fps), soundfont)
            for i in range(songs)]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc="songs", unit="song", disable=not progress)
    entries = [None] * len(jobs)
    if workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for i, entry in enumerate(pool.imap(_render_job, jobs)):
                entries[i] = entry
                bar.update()
    else:
        for i, job in enumerate(jobs):
            entries[i] = _render_job(job)
            bar.update()
    bar.close()
    manifest = {"format": MANIFEST_FORMAT, "version": VERSION, "seed": int(seed), "duration_limit": float(duration),
                "bar_fps": int(bar_fps), "bar_size": list(bar_size), "songs": entries}
    write_json(os.path.join(out_dir, MANIFEST_NAME), manifest, indent=1)
    return manifest


def read_song_set(directory):
    """[(manifest entry with absolute ``audio_path``, ``bar_path``, truth dict)] of a songs
    directory; UserError (one line) when it is not one."""
    path = os.path.join(directory, MANIFEST_NAME)
    if not os.path.isfile(path):
        raise UserError(f"{directory}: not a songs directory (no {MANIFEST_NAME}); make one with "
                        f"`tgan-music dataset songs --out {directory}`")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except ValueError as e:
        raise UserError(f"{path}: not valid JSON ({e}); render the set again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or not manifest.get("songs"):
        raise UserError(f"{path}: not a songs manifest (format {MANIFEST_FORMAT!r} with songs); "
                        "render the set again with `tgan-music dataset songs`")
    songs = []
    for entry in manifest["songs"]:
        truth_path = os.path.join(directory, entry["truth"])
        audio_path = os.path.join(directory, entry["audio"])
        for p in (truth_path, audio_path):
            if not os.path.isfile(p):
                raise UserError(f"{p}: listed in {path} but missing; render the set again")
        with open(truth_path, encoding="utf-8") as f:
            truth = json.load(f)
        songs.append((dict(entry, audio_path=audio_path, bar_path=os.path.join(directory, entry["bar_video"])),
                      truth))
    return songs
