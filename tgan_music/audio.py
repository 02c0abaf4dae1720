"""Audio loading shared by the pipeline: any file librosa/ffmpeg reads -> mono float32 at a rate.

soundfile (libsndfile) reads WAV/FLAC/OGG/MP3 directly; anything else (AAC, M4A, video
containers, ...) is decoded by ffmpeg. Channels are averaged, then the signal is resampled
with librosa's default (soxr high quality) resampler.
"""
import contextlib
import os
import shutil
import subprocess

import numpy as np

from tgan_music.errors import UserError


@contextlib.contextmanager
def _quiet_stderr():
    """Silences C libraries writing to fd 2 (libsndfile's mpg123 prints 'Note: ...' on bad
    MP3 data); the problem is reported as one UserError line instead."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _read_soundfile(path):
    import soundfile
    with _quiet_stderr():
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    return data.mean(axis=1), rate


def _read_ffmpeg(path):
    """Decodes the first audio stream with ffmpeg to float32 at the file's own rate."""
    if shutil.which("ffmpeg") is None:
        raise UserError(f"{path}: this format needs ffmpeg to decode it, and ffmpeg is not on PATH; "
                        "install ffmpeg (apt-get install ffmpeg) or convert the file to WAV")
    rate = _probe_rate(path)
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-vn",
           "-f", "f32le", "-acodec", "pcm_f32le", "-ac", "1", "-ar", str(rate), "-"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"{path}: cannot decode audio ({reason[-1] if reason else 'ffmpeg failed'}); "
                        "check that it is an audio or video file with a sound track")
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32), rate


def _probe_rate(path):
    if shutil.which("ffprobe") is None:
        return 44100
    proc = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                           "stream=sample_rate", "-of", "default=nw=1:nk=1", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = proc.stdout.decode().strip().splitlines()
    if proc.returncode != 0 or not text or not text[0].strip().isdigit():
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        why = reason[-1] if reason else "no audio stream"
        raise UserError(f"{path}: cannot read audio ({why}); check that it is an audio or video file "
                        "with a sound track")
    return int(text[0])


def load_audio(path, sample_rate=16000):
    """float32 (samples,) mono in [-1, 1] at ``sample_rate``; UserError when unreadable."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"{path}: audio file not found; check the path")
    if os.path.getsize(path) == 0:
        raise UserError(f"{path}: empty file, not audio; check the path")
    try:
        audio, rate = _read_soundfile(path)
    except Exception:  # libsndfile does not know the format: let ffmpeg try
        audio, rate = _read_ffmpeg(path)
    if audio.size == 0:
        raise UserError(f"{path}: no audio samples in the file")
    return resample(audio, rate, sample_rate)


def resample(audio, rate, sample_rate):
    """Mono float32 ``audio`` from ``rate`` to ``sample_rate`` Hz."""
    audio = np.asarray(audio, dtype=np.float32)
    if int(rate) != int(sample_rate):
        import librosa
        audio = librosa.resample(audio, orig_sr=int(rate), target_sr=int(sample_rate))
    return np.ascontiguousarray(audio, dtype=np.float32)
