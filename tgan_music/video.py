"""Writing and probing mp4 files with the system ffmpeg/ffprobe.

``write_mp4`` pipes raw RGB frames into ffmpeg (H.264, yuv420p) and muxes the
given audio (AAC) so that both streams start at t = 0: frame k is shown at
k / fps and audio sample n plays at n / sample_rate.
"""
import errno
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from tgan_music.atomic import atomic_path
from tgan_music.errors import UserError, is_disk_full


def require_ffmpeg():
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise UserError(f"{tool} not found on PATH; install ffmpeg (apt-get install ffmpeg) "
                            "or run `make test`, which installs it")


def write_mp4(path, frames, fps, audio=None, sample_rate=None, *, audio_file=None, crf=18, scale=1,
              audio_bitrate="192k", preset="medium"):
    """Writes ``frames`` (T, H, W, 3) uint8 as an H.264 mp4 at ``fps``, with ``audio``
    (float32 (samples,) or (samples, channels)) muxed in as AAC when given.

    ``audio_file=(path, start_seconds, duration_seconds)`` takes the sound instead from
    that interval of a media file, keeping its own rate and channels (a song's stereo mix).

    ``scale`` > 1 upscales with Lanczos inside ffmpeg. Written to a temporary file
    first and renamed, so an existing ``path`` survives a failure."""
    require_ffmpeg()
    frames = np.ascontiguousarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    t, h, w, _ = frames.shape
    out_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    tmp_wav = None
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0"]
    if audio is not None:
        import soundfile
        fd, tmp_wav = tempfile.mkstemp(suffix=".wav", dir=out_dir)
        os.close(fd)
        soundfile.write(tmp_wav, np.asarray(audio, dtype=np.float32), int(sample_rate), subtype="FLOAT")
        cmd += ["-i", tmp_wav]
    elif audio_file is not None:
        src, start, duration = audio_file
        # -ss/-t before -i cut the input itself; when transcoding ffmpeg decodes up to the
        # exact start, so the sound starts at the sample of `start`.
        cmd += ["-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-i", src]
    filters = []
    if scale != 1:
        filters.append(f"scale={w * scale}:{h * scale}:flags=lanczos")
    # H.264 in yuv420p needs even sizes.
    filters.append("pad=ceil(iw/2)*2:ceil(ih/2)*2")
    cmd += ["-vf", ",".join(filters), "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    if audio is not None or audio_file is not None:
        cmd += ["-c:a", "aac", "-b:a", audio_bitrate, "-map", "0:v:0", "-map", "1:a:0"]
    try:
        with atomic_path(path, unique=True) as tmp_mp4:
            proc = subprocess.run(cmd + [tmp_mp4], input=frames.tobytes(), capture_output=True)
            msg = proc.stderr.decode(errors="replace").strip().splitlines()
            if proc.returncode == -25:   # SIGXFSZ: ffmpeg went past the file-size limit (ulimit -f)
                raise OSError(errno.EFBIG, "File too large", tmp_mp4)   # atomic_path names `path`
            if proc.returncode != 0 and any(is_disk_full(OSError(line)) for line in msg):
                raise OSError(errno.ENOSPC, "No space left on device", tmp_mp4)
            if proc.returncode != 0:
                raise RuntimeError(f"ffmpeg failed writing {path}: {msg[-1] if msg else proc.returncode}")
            # Only a file ffprobe can read (with its moov atom) is renamed to ``path``.
            if run_ffprobe(tmp_mp4)[0] is None:
                raise UserError(f"ffmpeg wrote an unreadable {path} ({run_ffprobe(tmp_mp4)[1]}); nothing was "
                                "left there; check the free space and run the command again")
    finally:
        if tmp_wav and os.path.exists(tmp_wav):
            os.remove(tmp_wav)
    return path


def run_ffprobe(path):
    """(info, why): ffprobe's view of a media file ({'format': {...}, 'streams': [...]}), or
    None and ffprobe's last complaint (the path left out) when it cannot read it."""
    proc = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                           "-show_streams", path], capture_output=True, text=True)
    info = None
    if proc.returncode == 0:
        try:
            info = json.loads(proc.stdout)
        except ValueError:
            info = None
    if not info or "format" not in info:
        why = (proc.stderr.strip().splitlines() or ["unreadable"])[-1]
        return None, why.replace(path, "").strip(": ")
    return info, None


def probe(path):
    """ffprobe's view of a media file; UserError when it cannot read it."""
    require_ffmpeg()
    info, why = run_ffprobe(path)
    if info is None:
        raise UserError(f"{path}: ffprobe cannot read it ({why})")
    return info


def frame_grid(videos, columns=None, pad=2):
    """Tiles videos (N, T, H, W, 3) uint8 into one video (T, H', W', 3) with a ``pad``-pixel border."""
    videos = np.asarray(videos)
    n, t, h, w, c = videos.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.zeros((t, rows * (h + pad) + pad, columns * (w + pad) + pad, c), np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        y, x = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, y:y + h, x:x + w] = videos[i]
    return grid


def to_uint8_frames(video):
    """(C, T, H, W) float in [-1, 1] (the models' layout) -> (T, H, W, 3) uint8 for writing."""
    from chainer.backend import CpuDevice
    video = CpuDevice().send(video)
    video = np.clip((np.asarray(video) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    video = video.transpose(1, 2, 3, 0)
    if video.shape[-1] == 1:
        video = np.repeat(video, 3, axis=-1)
    return video
