"""Session fixtures: small metronome videos rendered and extracted once, and bad inputs made with ffmpeg."""
import os
import subprocess

import numpy as np
import pytest

from tgan_music.data.extract import ClipGeometry, extract
from tgan_music.data.metronome import draw_params, render_video

# Two 7 s videos at 160x120 give two 3 s clips each.
DURATION = 7.0
TEMPI = {
    "steady": [[0.0, 80.0], [DURATION, 80.0]],
    "step": [[0.0, 100.0], [3.5, 100.0], [3.5, 140.0], [DURATION, 140.0]],
}


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="session")
def metronome_set(tmp_path_factory):
    """(video dir, clip set dir, {name: params}) of the rendered and extracted metronome videos."""
    videos = str(tmp_path_factory.mktemp("metronome_videos"))
    clips = str(tmp_path_factory.mktemp("metronome_clips"))
    params = {}
    for i, (name, knots) in enumerate(TEMPI.items()):
        p = draw_params(7, i, duration=DURATION, size=(160, 120))
        p.update(tempo_knots=knots, tempo_change="none" if name == "steady" else "step",
                 accent_every=None, timbre="wood", room_noise_db=-60.0, reverb_mix=0.05,
                 # Colours that keep the arm visible against body, face and background.
                 arm_colour=[0.8, 0.1, 0.1], weight_colour=[0.95, 0.85, 0.05], scale=0.65, body_colour=[0.45, 0.27, 0.12],
                 face_colour=[0.95, 0.95, 0.9], background="plain", background_colours=[[0.5, 0.5, 0.55]] * 2)
        render_video(p, videos, name)
        params[name] = p
    summary = extract([os.path.join(videos, n + ".mp4") for n in TEMPI], clips, ClipGeometry(),
                      progress=False, log=lambda line: None)
    assert summary["failed"] == 0, summary["problems"]
    return videos, clips, params


def tick_onsets(audio, rate, threshold=0.3, refractory=0.1):
    """Sample indices where the audio envelope first rises above ``threshold`` of its peak."""
    env = np.convolve(np.abs(audio), np.ones(int(0.002 * rate)) / int(0.002 * rate), mode="same")
    above = env > threshold * env.max()
    onsets, last = [], -np.inf
    for n in np.flatnonzero(above[1:] & ~above[:-1]) + 1:
        if n - last > refractory * rate:
            onsets.append(int(n))
            last = n
    return np.asarray(onsets)


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory):
    """{problem: path} of broken videos, plus 'good': a tiny valid one."""
    d = tmp_path_factory.mktemp("bad_inputs")
    p = {k: str(d / f) for k, f in {
        "good": "good.mp4", "corrupt": "corrupt.mp4", "no_video": "audio_only.mp4", "short": "short.mp4",
        "no_audio": "no_audio.mp4", "silent": "silent.mp4", "empty_audio": "empty_audio.mkv",
        "codec": "unknown_codec.mp4"}.items()}
    video = ["-f", "lavfi", "-i", "testsrc=d=4:s=160x120:r=15"]
    tone = ["-f", "lavfi", "-i", "sine=f=440:d=4"]
    ffmpeg(*video, *tone, "-c:v", "libx264", "-c:a", "aac", "-shortest", p["good"])
    with open(p["corrupt"], "wb") as f:
        f.write(np.random.RandomState(0).bytes(20000))
    ffmpeg(*tone, "-c:a", "aac", p["no_video"])
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=2:s=160x120:r=15", "-f", "lavfi", "-i", "sine=d=2",
           "-c:v", "libx264", "-c:a", "aac", "-shortest", p["short"])
    ffmpeg(*video, "-c:v", "libx264", p["no_audio"])
    ffmpeg(*video, "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "4", "-c:v", "libx264", "-c:a", "aac",
           p["silent"])
    import soundfile
    empty_wav = str(d / "empty.wav")
    soundfile.write(empty_wav, np.zeros((0, 1), np.float32), 16000)
    ffmpeg("-i", p["good"], "-i", empty_wav, "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "pcm_s16le",
           p["empty_audio"])
    # An H.264 file whose codec tag no decoder knows.
    with open(p["good"], "rb") as f:
        data = f.read()
    with open(p["codec"], "wb") as f:
        f.write(data.replace(b"avc1", b"zzz9").replace(b"avcC", b"zzzC"))
    os.remove(empty_wav)
    return p


@pytest.fixture(name="tick_onsets")
def tick_onsets_fixture():
    return tick_onsets


@pytest.fixture(name="ffmpeg")
def ffmpeg_fixture():
    return ffmpeg
