"""The songs benchmark: beats from the score under the tempo map, rendered formats, librosa's tempo."""
import json
import os
import subprocess

import numpy as np
import pytest

from tgan_music.audio import load_audio
from tgan_music.data import songs
from tgan_music.errors import UserError

# Seed 8's first song: a strathspey from Ryan's Mammoth at 79 BPM with an eighth-note pickup,
# strings and a drum kit, written as stereo mp3 at 48 kHz.
SEED, SECONDS = 8, 12.0


@pytest.fixture(scope="module")
def song_set(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("songs"))
    manifest = songs.render_song_set(out, songs=1, seed=SEED, duration=SECONDS, workers=1, progress=False)
    return out, manifest


def _probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_beats_follow_the_score_and_the_tempo_map():
    """A chorale with a one-beat pickup and a tempo step on a bar line: the beat grid from the score."""
    events = songs.score_events(songs.load_score("bach/bwv66.6"))
    assert events["meter"] == "4/4" and events["pickup"] == 1.0
    assert events["beats"][:3] == [0.0, 1.0, 2.0] and events["downbeats"][:2] == [1.0, 5.0]
    p = dict(songs.draw_params(0, 0), corpus="bach/bwv66.6", number=None, bpm=100.0, step=True,
             bpm_after_step=150.0, step_at=0.5, drums=True)
    truth, tracks, tempo_us, meter = songs.plan_song(p, events, 20.0)
    beats = np.array(truth["beat_times"])
    first, second = truth["tempo_segments"]
    assert first["bpm"] == pytest.approx(100.0) and second["bpm"] == pytest.approx(150.0, rel=1e-6)
    # The pickup beat sounds right after the lead-in, the first downbeat one beat later.
    assert beats[0] == pytest.approx(truth["lead_in"], abs=1e-6)
    assert truth["downbeat_times"][0] == pytest.approx(truth["lead_in"] + 0.6, abs=1e-5)
    # The step is on a downbeat; beats are 0.6 s apart before it and 0.4 s after it.
    step = truth["tempo_step_time"]
    assert min(abs(np.array(truth["downbeat_times"]) - step)) < 1e-5
    np.testing.assert_allclose(np.diff(beats[beats <= step + 1e-6]), 0.6, atol=2e-6)
    np.testing.assert_allclose(np.diff(beats[beats >= step - 1e-6]), 0.4, atol=2e-6)
    assert len(beats) == 36 and beats[-1] < truth["duration"]
    # The MIDI file holds the same tempo map (microseconds per quarter note).
    assert [us for _, us in tempo_us] == [600000, 400000]
    drums = [t for t in tracks if t["channel"] == songs.DRUM_CHANNEL][0]
    kicks = [on for on, _, pitch, _ in drums["notes"] if pitch == songs.KICK]
    assert kicks[:2] == [pytest.approx(1.0 + tracks[0]["notes"][0][0]), pytest.approx(5.0 + tracks[0]["notes"][0][0])]


def test_rendered_song(song_set):
    out, manifest = song_set
    (entry,) = manifest["songs"]
    with open(os.path.join(out, entry["truth"]), encoding="utf-8") as f:
        truth = json.load(f)
    assert truth["format"] == songs.TRUTH_FORMAT and truth["meter"] == "4/4"
    assert truth["source"]["corpus"].startswith("ryansMammoth/") and truth["drums"]
    # The format, rate and channels the JSON names are the file's.
    info = _probe(os.path.join(out, entry["audio"]))
    (stream,) = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert entry["audio"].endswith(".mp3") and stream["codec_name"] == "mp3"
    assert int(stream["sample_rate"]) == truth["sample_rate"] == 48000 and stream["channels"] == truth["channels"] == 2
    assert float(info["format"]["duration"]) == pytest.approx(SECONDS, abs=0.1)
    # Beats: one every 60/bpm s from the first one (an eighth-note pickup after the lead-in).
    beats = np.array(truth["beat_times"])
    (segment,) = truth["tempo_segments"]
    np.testing.assert_allclose(np.diff(beats), 60.0 / segment["bpm"], atol=2e-6)
    assert beats[0] == pytest.approx(truth["lead_in"] + 0.5 * 60.0 / segment["bpm"], abs=1e-5)
    # The audio: librosa's tracker agrees with the score's tempo, and note onsets sit on the beats.
    from tgan_music.evaluation.beats import onset_times, tracked_beats
    audio = load_audio(os.path.join(out, entry["audio"]), 22050)
    tempo, _ = tracked_beats(audio, 22050)
    assert abs(tempo / segment["bpm"] - 1) < 0.08, (tempo, segment["bpm"])
    onsets = onset_times(audio, 22050)
    nearest = np.array([np.min(np.abs(onsets - b)) for b in beats])
    assert np.median(nearest) < 0.05
    # The upper bound: a bar video at 12 fps as long as the song, with its sound.
    bar = _probe(os.path.join(out, entry["bar_video"]))
    kinds = {s["codec_type"]: s for s in bar["streams"]}
    assert kinds["video"]["r_frame_rate"] == "12/1" and int(kinds["video"]["nb_frames"]) == int(SECONDS * 12)
    assert "audio" in kinds
    # Read back as a set; rendering again keeps the song.
    (read,) = songs.read_song_set(out)
    assert read[0]["name"] == entry["name"] and read[1]["beat_times"] == truth["beat_times"]
    mtime = os.path.getmtime(os.path.join(out, entry["audio"]))
    songs.render_song_set(out, songs=1, seed=SEED, duration=SECONDS, workers=1, progress=False)
    assert os.path.getmtime(os.path.join(out, entry["audio"])) == mtime


def test_every_format_keeps_the_timing(tmp_path):
    """Clicks at known times through each codec: decoded onsets stay on them (codec delays removed),
    and encoding is byte-for-byte repeatable."""
    import soundfile
    rate = 44100
    clicks = np.arange(0.5, 3.5, 0.5)
    audio = np.zeros((4 * rate, 2), np.float32)
    for t in clicks:
        i = int(t * rate)
        audio[i:i + 200] = np.hanning(400)[200:, None] * np.sin(np.arange(200) * 0.9)[:, None]
    wav = str(tmp_path / "in.wav")
    soundfile.write(wav, audio, rate)
    for n, fmt in enumerate(songs.AUDIO_FORMATS):
        out = str(tmp_path / f"click.{fmt}")
        songs.encode_audio(wav, out, 4.0, fmt, 1 + n % 2, songs.SAMPLE_RATES[n % 4], str(tmp_path))
        from tgan_music.evaluation.beats import onset_times
        onsets = onset_times(load_audio(out, 22050), 22050)
        nearest = np.array([np.min(np.abs(onsets - t)) for t in clicks])
        assert nearest.max() < 0.02, (fmt, nearest)
        # The same bytes again (no random Ogg serials or encoder tags): a seed gives the same songs.
        again = str(tmp_path / f"again.{fmt}")
        songs.encode_audio(wav, again, 4.0, fmt, 1 + n % 2, songs.SAMPLE_RATES[n % 4], str(tmp_path))
        assert open(out, "rb").read() == open(again, "rb").read(), fmt


def test_bar_extremes_on_the_beats():
    beats = [0.5, 1.0, 1.5, 2.25, 3.0]
    phase = songs.beat_phase(beats, np.array(beats))
    np.testing.assert_allclose(np.abs(np.sin(phase)), 1.0, atol=1e-9)
    frames = songs.bar_frames(beats, 3.0, 12, 32, 24)
    assert frames.shape == (36, 24, 32, 3) and frames.dtype == np.uint8 and frames.max() == 255


def test_missing_tools_and_sets(tmp_path, monkeypatch, capsys):
    with pytest.raises(UserError, match="fluid-soundfont-gm"):
        songs.require_renderer(str(tmp_path / "none.sf2"))
    monkeypatch.setattr(songs.shutil, "which", lambda tool: None)
    with pytest.raises(UserError, match=r"FluidSynth \(apt-get install fluidsynth\)"):
        songs.require_renderer()
    with pytest.raises(UserError, match="no songs.json.*tgan-music dataset songs"):
        songs.read_song_set(str(tmp_path))
    from tgan_music.cli import main
    assert main(["dataset", "songs", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "apt-get install fluidsynth" in err[0]
