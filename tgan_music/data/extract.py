"""Video files -> clips: ffmpeg resamples and crops, scikit-video reads the frames.

Time origin: the start of the file (ffmpeg shifts the earliest stream to 0). The video
is resampled with ``fps=fps:start_time=0:round=up`` (frame ``j`` is the picture on screen
at instant ``j / fps``, as a camera at ``fps`` would sample it; padded with the first picture if the video starts late) and the audio
with ``aresample=first_pts=0`` (sample ``n`` at ``n / sample_rate``, padded with
silence if the audio starts late). Clip ``k`` starts at ``s_k = k * stride`` and covers
``[s_k, s_k + frames / fps)``: frames ``s_k*fps + j`` (j < frames) and samples
``[s_k * rate, s_k * rate + frames * rate / fps)``. Frame ``j`` of a clip spans the
samples ``[j * rate / fps, (j + 1) * rate / fps)`` of the clip's audio.
"""
import hashlib
import os
import subprocess
from dataclasses import dataclass

import numpy as np

from tgan_music.data.metronome import read_ground_truth
from tgan_music.data.storage import ClipStore
from tgan_music.data.tempo_curve import mean_tempo, swing_phase
from tgan_music.errors import UserError
from tgan_music.locking import directory_lock
from tgan_music.video import run_ffprobe

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".flv", ".wmv")
SILENCE_PEAK = 1e-4  # below -80 dBFS everywhere: a silent track


class BadSource(Exception):
    """A source that cannot give clips; the message is the one-line problem."""


@dataclass
class ClipGeometry:
    fps: int = 12
    frames: int = 36
    height: int = 96
    width: int = 128
    channels: int = 3
    sample_rate: int = 16000
    stride_seconds: float = 3.0

    @classmethod
    def from_config(cls, data):
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def as_store_geometry(self):
        return {k: getattr(self, k) for k in ("fps", "frames", "height", "width", "channels", "sample_rate")}

    @property
    def seconds(self):
        return self.frames / self.fps

    @property
    def samples(self):
        return int(round(self.seconds * self.sample_rate))

    def stride_steps(self):
        """The stride in frames and in samples; both must be whole numbers."""
        f, s = self.stride_seconds * self.fps, self.stride_seconds * self.sample_rate
        if self.stride_seconds <= 0 or abs(f - round(f)) > 1e-6 or abs(s - round(s)) > 1e-6:
            raise UserError(f"data.stride_seconds={self.stride_seconds}: must be a positive multiple of "
                            f"1/{self.fps} s so clips start on a frame (e.g. 1.0, 1.5, 3.0)")
        return int(round(f)), int(round(s))


def source_key(path):
    """A stable directory name for a source: its file name plus a hash of its absolute path."""
    path = os.path.abspath(path)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in os.path.splitext(os.path.basename(path))[0])
    return f"{stem[:60]}-{hashlib.sha1(path.encode('utf-8')).hexdigest()[:10]}"


def find_sources(paths):
    """Files named on the command line, and the video files inside named directories."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, _, files in sorted(os.walk(p)):
                out += [os.path.join(dirpath, f) for f in sorted(files)
                        if f.lower().endswith(VIDEO_EXTENSIONS)]
        elif os.path.exists(p):
            out.append(p)
        else:
            raise UserError(f"{p}: no such file or directory")
    return out


def probe(path):
    """ffprobe's streams and format of ``path``; BadSource when ffprobe cannot read it."""
    info, why = run_ffprobe(path)
    if info is None:
        raise BadSource(f"corrupt or unreadable file (ffprobe: {why})")
    return info


def _duration(info, stream):
    for value in (stream.get("duration"), info["format"].get("duration")):
        try:
            if value is not None and float(value) > 0:
                return float(value)
        except ValueError:
            pass
    return None


def check_streams(info, geometry, allow_silent):
    """(video_stream, audio_stream or None) or BadSource naming the problem."""
    streams = info.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    if not videos:
        raise BadSource("no video stream")
    video = videos[0]
    if video.get("codec_name") in (None, "", "none", "unknown"):
        tag = video.get("codec_tag_string", "?")
        raise BadSource(f"unsupported video codec (tag {tag!r}); re-encode it, e.g. ffmpeg -i IN -c:v libx264 OUT.mp4")
    duration = _duration(info, video)
    if duration is not None and duration < geometry.seconds:
        raise BadSource(f"shorter than one clip ({duration:.2f} s < {geometry.seconds:.2f} s)")
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not audios:
        if allow_silent:
            return video, None
        raise BadSource("no audio track (the music is what conditions the model; "
                        "use --allow-silent to keep it with silent audio)")
    audio = audios[0]
    if audio.get("codec_name") in (None, "", "none", "unknown"):
        raise BadSource(f"unsupported audio codec (tag {audio.get('codec_tag_string', '?')!r}); re-encode it")
    return video, audio


def read_frames(path, geometry, max_frames):
    """uint8 (n, height, width, 3) resampled to fps from t=0, scaled to cover and centre-cropped.

    ffmpeg does the resampling and cropping; scikit-video reads the frames."""
    # heavy (scikit-video, scipy: seconds): only decoding needs it, not ClipGeometry's users
    from tgan_music.compat.skvideo import skvideo_io
    W, H = geometry.width, geometry.height
    # round=up: output frame j is the last source picture at or before j / fps. The default
    # (round=near) picks one 0.5-1 source frame later (17-33 ms late for 30 -> 12 fps).
    vf = (f"fps=fps={geometry.fps}:start_time=0:round=up,"
          # Square pixels first (anamorphic sources), then cover W x H keeping the aspect, then crop.
          "scale=trunc(iw*sar/2)*2:ih,setsar=1,"
          f"scale={W}:{H}:force_original_aspect_ratio=increase:flags=area,crop={W}:{H},setsar=1")
    reader = skvideo_io.FFmpegReader(path, inputdict={}, outputdict={
        "-vf": vf, "-s": f"{W}x{H}", "-pix_fmt": "rgb24", "-vframes": str(max_frames), "-map": "0:v:0"})
    try:
        frames = list(reader.nextFrame())
    finally:
        reader.close()
    if not frames:
        raise BadSource("no decodable video frames (corrupt stream or unsupported codec)")
    return np.stack(frames).astype(np.uint8, copy=False)


def read_audio(path, geometry, max_samples):
    """float32 mono samples at sample_rate from t=0 (at most ``max_samples``)."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-vn", "-sn",
           "-af", f"aresample={geometry.sample_rate}:first_pts=0", "-ac", "1", "-ar", str(geometry.sample_rate),
           "-t", f"{max_samples / geometry.sample_rate:.6f}", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True)
    audio = np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)
    if proc.returncode != 0 and len(audio) == 0:
        why = (proc.stderr.decode(errors="replace").strip().splitlines() or ["decoding failed"])[-1]
        raise BadSource(f"cannot decode the audio track ({why.replace(path, '').strip(': ')})")
    return audio


def cut_clips(frames, audio, geometry):
    """Clip ``k`` = frames [k*fs, k*fs + T) and samples [k*ss, k*ss + S): the same interval."""
    fs, ss = geometry.stride_steps()
    T, S = geometry.frames, geometry.samples
    n = 0
    while n * fs + T <= len(frames) and n * ss + S <= len(audio):
        n += 1
    video = np.stack([frames[k * fs:k * fs + T] for k in range(n)]) if n else None
    clips_audio = np.stack([audio[k * ss:k * ss + S] for k in range(n)]) if n else None
    starts = [k * fs / geometry.fps for k in range(n)]
    return video, clips_audio, starts


def clip_rows(path, starts, geometry):
    """Manifest rows: start, and the tempo and swing phase at the start where a ground truth says."""
    truth = read_ground_truth(path)
    rows = []
    for s in starts:
        row = {"start": s, "tempo_bpm": None, "phase": None}
        if truth is not None:
            knots = truth["tempo_knots"]
            row["tempo_bpm"] = mean_tempo(knots, s, s + geometry.seconds)
            row["phase"] = float(np.mod(swing_phase(knots, truth["phase0"], s), 2 * np.pi))
        rows.append(row)
    return rows


def extract_source(path, geometry, allow_silent=False):
    """(video uint8 (n,T,H,W,3), audio float32 (n,S), rows) of one file; BadSource on bad input."""
    if not os.path.isfile(path):
        raise BadSource("not a file")
    if os.path.getsize(path) == 0:
        raise BadSource("empty file (0 bytes)")
    info = probe(path)
    video_stream, audio_stream = check_streams(info, geometry, allow_silent)
    duration = _duration(info, video_stream) or _duration(info, audio_stream or {}) or 3600.0
    max_frames = int(np.ceil(duration * geometry.fps)) + 2
    frames = read_frames(path, geometry, max_frames)
    if len(frames) < geometry.frames:
        raise BadSource(f"shorter than one clip ({len(frames)} frames at {geometry.fps} fps "
                        f"< {geometry.frames})")
    want_samples = int(np.ceil(len(frames) / geometry.fps * geometry.sample_rate))
    if audio_stream is None:
        audio = np.zeros(want_samples, np.float32)
    else:
        audio = read_audio(path, geometry, want_samples)
        if len(audio) == 0 and not allow_silent:
            raise BadSource("audio track is empty (0 samples); use --allow-silent to keep it with silent audio")
        if len(audio) and np.abs(audio).max() < SILENCE_PEAK and not allow_silent:
            raise BadSource("audio track is silent (peak below -80 dBFS); use --allow-silent to keep it")
        if len(audio) < want_samples and allow_silent:
            audio = np.concatenate([audio, np.zeros(want_samples - len(audio), np.float32)])
    video, clips_audio, starts = cut_clips(frames, audio, geometry)
    if video is None:
        raise BadSource(f"shorter than one clip once video and audio overlap "
                        f"({len(frames) / geometry.fps:.2f} s video, {len(audio) / geometry.sample_rate:.2f} s audio)")
    return video, clips_audio, clip_rows(path, starts, geometry)


def extract(sources, out_dir, geometry, allow_silent=False, progress=True, log=print):
    """Extracts every source into the clip set ``out_dir``; returns a summary dict.

    Sources already extracted are skipped; a bad source logs one line, is recorded in
    sources.jsonl with its reason, and is tried again by the next run. Holds the lock of
    ``out_dir`` (a second writer is refused with a line naming this process)."""
    geometry.stride_steps()
    with directory_lock(out_dir, "extracting clips"):
        return _extract_locked(sources, out_dir, geometry, allow_silent, progress, log)


def _extract_locked(sources, out_dir, geometry, allow_silent, progress, log):
    store = ClipStore(out_dir, geometry.as_store_geometry())
    from tqdm import tqdm
    summary = {"ok": 0, "skipped": 0, "failed": 0, "clips": 0, "problems": []}
    for path in tqdm(sources, desc="extracting", unit="video", disable=not progress):
        key = source_key(path)
        if store.sources.get(key, {}).get("status") == "ok":
            summary["skipped"] += 1
            continue
        try:
            video, audio, rows = extract_source(path, geometry, allow_silent)
        except BadSource as e:
            log(f"{path}: {e}")
            summary["failed"] += 1
            summary["problems"].append((path, str(e)))
            store.add_source(key, os.path.abspath(path), None, None, [], status="failed", reason=str(e))
            continue
        store.add_source(key, os.path.abspath(path), video, audio, rows)
        summary["ok"] += 1
        summary["clips"] += len(rows)
    summary["total_clips"] = len(store)
    return summary
