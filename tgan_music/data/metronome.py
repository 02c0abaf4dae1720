"""Synthetic metronome videos as a camera delivers them: H.264 + AAC .mp4 plus ground-truth JSON.

A mechanical metronome: an arm swinging on a pivot near the bottom of a pyramid body,
a sliding weight on the arm (higher = slower, as on a real one), a tick at each extreme
of the swing, optionally an accented bell every N beats. Everything random is drawn
from ``SeedSequence([seed, index])``, so video ``index`` of a seed is always the same.
The tempo curve and the swing it drives are :mod:`tgan_music.data.tempo_curve`.
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from tgan_music.atomic import atomic_path, write_text
from tgan_music.data.tempo_curve import mean_tempo, swing_phase, tempo_at, tick_times
from tgan_music.errors import UserError
from tgan_music.video import require_ffmpeg

TEMPO_RANGE = (40.0, 208.0)
GROUND_TRUTH_FORMAT = "tgan-music metronome ground truth"
GROUND_TRUTH_VERSION = 1
AUDIO_RATE = 44100


# -- random per-video parameters -------------------------------------------------
def _log_uniform_tempo(rng):
    lo, hi = np.log(TEMPO_RANGE[0]), np.log(TEMPO_RANGE[1])
    return float(np.exp(rng.uniform(lo, hi)))


def draw_params(seed, index, duration=None, size=None, fps=30):
    """Every random choice of video ``index``: a JSON-able dict."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))
    width, height = size if size else [(640, 480), (1280, 720)][rng.integers(2)]
    duration = float(duration) if duration else float(rng.uniform(10.0, 60.0))
    frames = max(1, int(round(duration * fps)))
    duration = frames / fps
    t0 = _log_uniform_tempo(rng)
    change = str(rng.choice(["none", "step", "accelerando"], p=[0.6, 0.2, 0.2]))
    if change == "none":
        knots = [[0.0, t0], [duration, t0]]
    else:
        t1 = t0
        while abs(np.log(t1 / t0)) < 0.1:
            t1 = _log_uniform_tempo(rng)
        if change == "step":
            ts = float(rng.uniform(0.3, 0.7) * duration)
            knots = [[0.0, t0], [ts, t0], [ts, t1], [duration, t1]]
        else:
            a, b = sorted(rng.uniform(0.1, 0.9, size=2) * duration)
            knots = [[0.0, t0], [float(a), t0], [float(b), t1], [duration, t1]]
    colour = lambda lo, hi: [float(c) for c in rng.uniform(lo, hi, size=3)]  # noqa: E731
    wood = np.array([0.45, 0.27, 0.12]) * rng.uniform(0.6, 1.4)
    body_colour = [wood.tolist(), [0.08, 0.08, 0.09], colour(0.2, 0.9)][rng.integers(3)]
    return {
        "seed": int(seed), "index": int(index), "width": int(width), "height": int(height), "fps": int(fps),
        "frames": frames, "duration": duration,
        "tempo_change": change, "tempo_knots": [[float(a), float(b)] for a, b in knots],
        "phase0": float(rng.uniform(0, 2 * np.pi)),
        "amplitude_deg": float(rng.uniform(25.0, 42.0)),
        "accent_every": int(rng.choice([2, 3, 4])) if rng.uniform() < 0.35 else None,
        "body_shape": str(rng.choice(["pyramid", "tower", "box"])),
        "body_colour": [float(c) for c in np.clip(body_colour, 0, 1)],
        "face_colour": colour(0.7, 1.0),
        "arm_colour": colour(0.6, 0.95) if rng.uniform() < 0.5 else colour(0.05, 0.3),
        "weight_colour": colour(0.3, 0.95),
        "background": str(rng.choice(["plain", "gradient", "texture"])),
        "background_colours": [colour(0.1, 0.9), colour(0.1, 0.9)],
        "table_colour": colour(0.15, 0.7),
        "position": [float(rng.uniform(-0.15, 0.15)), float(rng.uniform(0.72, 0.88))],
        "scale": float(rng.uniform(0.45, 0.65)),
        "light_gain": float(rng.uniform(0.7, 1.15)),
        "light_gradient": [float(rng.uniform(-0.3, 0.3)), float(rng.uniform(-0.3, 0.3))],
        "white_balance": [float(rng.uniform(0.9, 1.1)), 1.0, float(rng.uniform(0.9, 1.1))],
        "shake_px": float(rng.uniform(0.0, 2.0) * height / 480),
        "noise_sigma": float(rng.uniform(0.5, 4.0)),
        "timbre": str(rng.choice(["wood", "click", "beep"])),
        "tick_freq": float(rng.uniform(900, 3500)),
        "tick_decay": float(rng.uniform(0.003, 0.012)),
        "bell_freq": float(rng.uniform(1500, 2600)),
        "tick_level": float(rng.uniform(0.3, 0.7)),
        "room_noise_db": float(rng.uniform(-62, -42)),
        "reverb_s": float(rng.uniform(0.05, 0.3)),
        "reverb_mix": float(rng.uniform(0.03, 0.25)),
        "pan": float(rng.uniform(-0.4, 0.4)),
        "render_seed": int(rng.integers(2 ** 31)),
    }


# -- anti-aliased drawing (analytic coverage from signed distances) -----------------
def _poly_coverage(xs, ys, verts):
    """Coverage in [0, 1] of a convex polygon (vertices in either order) at pixel centres."""
    v = np.asarray(verts, np.float64)
    area = np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
    if area < 0:
        v = v[::-1]
    d = None
    for (x0, y0), (x1, y1) in zip(v, np.roll(v, -1, axis=0)):
        ex, ey = x1 - x0, y1 - y0
        n = np.hypot(ex, ey) or 1.0
        # Signed distance to the edge line, negative on the polygon's side.
        dist = ((xs - x0) * ey - (ys - y0) * ex) / n
        d = dist if d is None else np.maximum(d, dist)
    return np.clip(0.5 - d, 0.0, 1.0)


def _circle_coverage(xs, ys, cx, cy, r):
    return np.clip(r + 0.5 - np.hypot(xs - cx, ys - cy), 0.0, 1.0)


def _blend(img, cov, colour):
    colour = np.asarray(colour, np.float32)
    inside = cov > 0
    if inside.mean() < 0.25:
        # A thin arm in a large box: touch only the covered pixels.
        c = cov[inside].astype(np.float32)[:, None]
        img[inside] = img[inside] * (1.0 - c) + c * colour
        return
    c = cov[..., None].astype(np.float32)
    img *= 1.0 - c
    img += c * colour


def _rotate(points, angle, cx, cy):
    s, c = np.sin(angle), np.cos(angle)
    p = np.asarray(points, np.float64)
    return np.stack([cx + p[:, 0] * c - p[:, 1] * s, cy + p[:, 0] * s + p[:, 1] * c], axis=1)


class MetronomeScene:
    """The static picture and the moving arm of one video, drawn on a canvas with a margin
    (so camera shake never shows an edge)."""

    MARGIN = 4

    def __init__(self, p):
        self.p = p
        self.rng = np.random.default_rng(p["render_seed"])
        W, H, m = p["width"], p["height"], self.MARGIN
        self.cw, self.ch = W + 2 * m, H + 2 * m
        ys, xs = np.mgrid[0:self.ch, 0:self.cw].astype(np.float64)
        ys += 0.5
        xs += 0.5
        img = self._background(xs, ys)
        hb = p["scale"] * H
        cx = m + W * (0.5 + p["position"][0])
        bottom = m + H * p["position"][1]
        table_y = bottom - 0.02 * hb
        _blend(img, np.clip(ys - table_y + 0.5, 0, 1), p["table_colour"])
        wb = hb * {"pyramid": 0.55, "tower": 0.42, "box": 0.5}[p["body_shape"]]
        wt = wb * {"pyramid": 0.3, "tower": 0.45, "box": 0.85}[p["body_shape"]]
        top = bottom - hb
        shadow = np.clip(1 - np.hypot((xs - cx) / (0.7 * wb), (ys - bottom) / (0.06 * hb)), 0, 1)
        img *= (1 - 0.35 * shadow)[..., None].astype(np.float32)
        body = [(cx - wb / 2, bottom), (cx + wb / 2, bottom), (cx + wt / 2, top), (cx - wt / 2, top)]
        _blend(img, _poly_coverage(xs, ys, body), p["body_colour"])
        plinth_h = 0.06 * hb
        plinth = [(cx - 0.56 * wb, bottom), (cx + 0.56 * wb, bottom),
                  (cx + 0.56 * wb, bottom - plinth_h), (cx - 0.56 * wb, bottom - plinth_h)]
        _blend(img, _poly_coverage(xs, ys, plinth), np.asarray(p["body_colour"]) * 0.7)
        inset = 0.12 * wb
        f_bottom, f_top = bottom - 0.12 * hb, top + 0.1 * hb
        frac = lambda y: (bottom - y) / hb  # noqa: E731
        half = lambda y: (wb + (wt - wb) * frac(y)) / 2 - inset  # noqa: E731
        face = [(cx - half(f_bottom), f_bottom), (cx + half(f_bottom), f_bottom),
                (cx + max(half(f_top), 2), f_top), (cx - max(half(f_top), 2), f_top)]
        _blend(img, _poly_coverage(xs, ys, face), p["face_colour"])
        # Tempo scale: marks on the face, as printed on real metronomes.
        for y in np.linspace(f_top + 0.08 * hb, f_bottom - 0.25 * hb, 9):
            w = 0.25 * half(y)
            mark = [(cx - w, y - 0.5), (cx + w, y - 0.5), (cx + w, y + 0.6), (cx - w, y + 0.6)]
            _blend(img, 0.6 * _poly_coverage(xs, ys, mark), np.asarray(p["face_colour"]) * 0.35)
        self.static = img.astype(np.float32)
        self.pivot = (cx, bottom - 0.2 * hb)
        self.arm_len = 0.74 * hb
        self.arm_w = max(1.2, 0.012 * H)
        self.weight_w, self.weight_h = 0.1 * hb, 0.075 * hb
        self.cap_r = max(2.0, 0.028 * hb)
        # Lighting: a gain, a linear gradient, a vignette, a white balance.
        gx, gy = p["light_gradient"]
        light = p["light_gain"] * (1 + gx * (xs / self.cw - 0.5) + gy * (ys / self.ch - 0.5))
        light *= 1 - 0.25 * (((xs / self.cw - 0.5) ** 2 + (ys / self.ch - 0.5) ** 2) / 0.5)
        self.light = (light[..., None] * np.asarray(p["white_balance"])[None, None, :] * 255.0).astype(np.float32)
        self.static_lit = self.static * self.light
        # Sensor noise: slices of a larger bank at random offsets (cheap per frame).
        self.noise = (self.rng.standard_normal((self.ch + 32, self.cw + 32, 3), dtype=np.float32)
                      * np.float32(p["noise_sigma"]))

    def _background(self, xs, ys):
        p = self.p
        a, b = (np.asarray(c, np.float32) for c in p["background_colours"])
        if p["background"] == "plain":
            return np.broadcast_to(a, xs.shape + (3,)).copy()
        t = (ys / self.ch)[..., None].astype(np.float32)
        img = a * (1 - t) + b * t
        if p["background"] == "texture":
            coarse = self.rng.standard_normal((self.ch // 16 + 2, self.cw // 16 + 2)).astype(np.float32)
            from scipy.ndimage import zoom
            smooth = zoom(coarse, 16, order=1)[:self.ch, :self.cw]
            fine = self.rng.standard_normal(xs.shape).astype(np.float32)
            img *= (1 + 0.12 * smooth + 0.04 * fine)[..., None]
        return img

    def _arm_shapes(self, angle, weight_pos):
        px, py = self.pivot
        aw, L = self.arm_w, self.arm_len
        arm = _rotate([(-aw / 2, 0.08 * L), (aw / 2, 0.08 * L), (aw / 2, -L), (-aw / 2, -L)], angle, px, py)
        d = L * weight_pos
        ww, wh = self.weight_w, self.weight_h
        weight = _rotate([(-ww / 2, -d + wh / 2), (ww / 2, -d + wh / 2), (ww * 0.35, -d - wh / 2),
                          (-ww * 0.35, -d - wh / 2)], angle, px, py)
        return arm, weight

    def frame(self, angles, weight_pos, shake, gain, noise_at):
        """uint8 (H, W, 3): the arm drawn at each of ``angles`` (averaged = motion blur)."""
        p, m = self.p, self.MARGIN
        img = self.static_lit.copy()
        shapes = [self._arm_shapes(a, weight_pos) for a in angles]
        pts = np.concatenate([np.concatenate(s) for s in shapes])
        px, py = self.pivot
        x0 = int(max(0, min(pts[:, 0].min(), px - self.cap_r) - 2))
        x1 = int(min(self.cw, max(pts[:, 0].max(), px + self.cap_r) + 3))
        y0 = int(max(0, min(pts[:, 1].min(), py - self.cap_r) - 2))
        y1 = int(min(self.ch, max(pts[:, 1].max(), py + self.cap_r) + 3))
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        ys += 0.5
        xs += 0.5
        region = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
        for arm, weight in shapes:
            part = self.static[y0:y1, x0:x1].copy()
            _blend(part, _poly_coverage(xs, ys, arm), p["arm_colour"])
            _blend(part, _poly_coverage(xs, ys, weight), p["weight_colour"])
            region += part
        region /= len(shapes)
        _blend(region, _circle_coverage(xs, ys, px, py, self.cap_r), np.asarray(p["arm_colour"]) * 0.8)
        img[y0:y1, x0:x1] = region * self.light[y0:y1, x0:x1]
        # Camera shake: a bilinear sub-pixel shift of the canvas.
        dx, dy = shake
        ix, iy = int(np.floor(dx)), int(np.floor(dy))
        fx, fy = np.float32(dx - ix), np.float32(dy - iy)
        H, W = p["height"], p["width"]
        sx, sy = m + ix, m + iy
        a00 = img[sy:sy + H, sx:sx + W]
        a01 = img[sy:sy + H, sx + 1:sx + 1 + W]
        a10 = img[sy + 1:sy + 1 + H, sx:sx + W]
        a11 = img[sy + 1:sy + 1 + H, sx + 1:sx + 1 + W]
        # The exposure flicker (gain) rides on the interpolation weights: one pass fewer.
        g = np.float32(gain)
        out = a00 * ((1 - fx) * (1 - fy) * g)
        out += a01 * (fx * (1 - fy) * g)
        out += a10 * ((1 - fx) * fy * g)
        out += a11 * (fx * fy * g)
        nx, ny = noise_at
        out += self.noise[ny:ny + H, nx:nx + W]
        np.clip(out, 0, 255, out=out)
        return out.astype(np.uint8)


# -- audio ----------------------------------------------------------------------
def _tick_sound(p, rng, sr):
    n = int(0.06 * sr)
    t = np.arange(n) / sr
    if p["timbre"] == "wood":
        s = np.sin(2 * np.pi * p["tick_freq"] * t) * np.exp(-t / p["tick_decay"])
        s += 0.6 * rng.standard_normal(n) * np.exp(-t / (p["tick_decay"] / 3))
    elif p["timbre"] == "click":
        s = np.diff(rng.standard_normal(n + 1)) * np.exp(-t / 0.0015)
    else:
        env = np.minimum(t / 0.001, 1.0) * (t < 0.03) * np.exp(-t / 0.02)
        s = np.sin(2 * np.pi * (p["tick_freq"] * 0.6) * t) * env
    return s / (np.abs(s).max() + 1e-9)


def _bell_sound(p, sr):
    t = np.arange(int(0.6 * sr)) / sr
    s = sum(a * np.sin(2 * np.pi * p["bell_freq"] * r * t)
            for r, a in ((1.0, 1.0), (2.76, 0.5), (5.40, 0.25), (8.93, 0.12)))
    s = s * np.exp(-t / 0.25) * np.minimum(t / 0.001, 1.0)
    return s / np.abs(s).max()


def render_audio(p, ticks, sr=AUDIO_RATE):
    """float32 (samples, 2): ticks (and bells) at ``ticks``, room noise, a short reverb."""
    from scipy.signal import fftconvolve, lfilter
    rng = np.random.default_rng(p["render_seed"] + 1)
    n = int(round(p["frames"] / p["fps"] * sr))
    dry = np.zeros(n + sr, np.float64)
    tick, bell = _tick_sound(p, rng, sr), _bell_sound(p, sr)
    for k, t in enumerate(ticks):
        i = int(round(t * sr))
        level = p["tick_level"] * rng.uniform(0.9, 1.1)
        dry[i:i + len(tick)] += level * tick
        if p["accent_every"] and k % p["accent_every"] == 0:
            dry[i:i + len(bell)] += 0.6 * level * bell
    dry = dry[:n]
    tail = np.arange(int(p["reverb_s"] * sr)) / sr
    ir = rng.standard_normal(len(tail)) * np.exp(-tail / (p["reverb_s"] / 5))
    wet = fftconvolve(dry, ir / np.sqrt(np.sum(ir ** 2)))[:n]
    mono = dry + p["reverb_mix"] * wet
    noise_level = 10 ** (p["room_noise_db"] / 20)
    out = np.empty((n, 2), np.float64)
    for ch, gain in enumerate((1 - p["pan"], 1 + p["pan"])):
        room = lfilter([1.0], [1.0, -0.97], rng.standard_normal(n)) * 0.25
        out[:, ch] = gain * mono + noise_level * room
    return np.clip(out, -1, 1).astype(np.float32)


# -- one video --------------------------------------------------------------------
def ground_truth(p, video_name):
    """The JSON written beside a video (documented in docs/data.md)."""
    fps, frames = p["fps"], p["frames"]
    times = np.arange(frames) / fps
    knots = p["tempo_knots"]
    phase = swing_phase(knots, p["phase0"], times)
    ticks = tick_times(knots, p["phase0"], p["duration"])
    accents = ticks[::p["accent_every"]] if p["accent_every"] else ticks[:0]
    return {
        "format": GROUND_TRUTH_FORMAT, "version": GROUND_TRUTH_VERSION, "video": video_name,
        "seed": p["seed"], "index": p["index"],
        "fps": fps, "frames": frames, "duration": p["duration"], "width": p["width"], "height": p["height"],
        "audio_sample_rate": AUDIO_RATE, "audio_channels": 2,
        "tempo_change": p["tempo_change"], "tempo_knots": knots,
        "tempo_bpm_mean": mean_tempo(knots, 0.0, p["duration"]),
        "phase0": p["phase0"], "amplitude_deg": p["amplitude_deg"],
        "accent_every": p["accent_every"],
        "tick_times": [round(float(t), 6) for t in ticks],
        "accent_times": [round(float(t), 6) for t in accents],
        "arm_angle_deg": [round(float(a), 4) for a in p["amplitude_deg"] * np.sin(phase)],
        "phase_per_frame": [round(float(x), 5) for x in np.mod(phase, 2 * np.pi)],
        "tempo_bpm_per_frame": [round(float(b), 4) for b in tempo_at(knots, times)],
        "render": {k: p[k] for k in ("body_shape", "background", "timbre", "shake_px", "noise_sigma",
                                     "body_colour", "arm_colour", "weight_colour", "light_gain")},
    }


def weight_position(bpm):
    """Weight distance from the pivot as a fraction of the arm: higher for slower tempi."""
    lo, hi = np.log(TEMPO_RANGE[0]), np.log(TEMPO_RANGE[1])
    u = (hi - np.log(np.clip(bpm, *TEMPO_RANGE))) / (hi - lo)
    return 0.28 + 0.62 * u


def render_video(p, out_dir, name, threads=1):
    """Renders video ``name``.mp4 and ``name``.json into ``out_dir`` (atomically). Returns the mp4 path."""
    mp4 = os.path.join(out_dir, name + ".mp4")
    js = os.path.join(out_dir, name + ".json")
    truth = ground_truth(p, name + ".mp4")
    ticks = np.asarray(truth["tick_times"])
    audio = render_audio(p, ticks)
    scene = MetronomeScene(p)
    rng = np.random.default_rng(p["render_seed"] + 2)
    fps, frames = p["fps"], p["frames"]
    # Camera shake: a few slow sinusoids per axis.
    freqs, phases = rng.uniform(0.2, 2.0, (2, 3)), rng.uniform(0, 2 * np.pi, (2, 3))
    flicker = rng.uniform(0, 0.01)
    amp = np.radians(p["amplitude_deg"])
    shutter = 0.5 / fps
    import soundfile
    tmpdir = tempfile.mkdtemp(prefix=name + ".", dir=out_dir)
    try:
        wav = os.path.join(tmpdir, "audio.wav")
        soundfile.write(wav, audio, AUDIO_RATE, subtype="PCM_16")
        with atomic_path(mp4) as tmp_mp4:
            cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                   "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{p['width']}x{p['height']}", "-framerate", str(fps),
                   "-i", "pipe:0", "-i", wav, "-map", "0:v", "-map", "1:a",
                   "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", str(2 * fps),
                   "-threads", str(threads), "-c:a", "aac", "-b:a", "160k", "-ar", str(AUDIO_RATE), "-ac", "2",
                   "-movflags", "+faststart", tmp_mp4]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                for j in range(frames):
                    t = j / fps
                    sub_t = t + np.array([-0.5, 0.0, 0.5]) * shutter
                    angles = amp * np.sin(swing_phase(p["tempo_knots"], p["phase0"], sub_t))
                    shake = p["shake_px"] * np.sin(2 * np.pi * freqs * t + phases).sum(axis=1) / 3
                    gain = 1 + flicker * np.sin(2 * np.pi * 1.7 * t)
                    noise_at = tuple(rng.integers(0, 32, size=2))
                    wpos = weight_position(tempo_at(p["tempo_knots"], t))
                    proc.stdin.write(scene.frame(angles, float(wpos), shake, gain, noise_at).tobytes())
                proc.stdin.close()
            except BrokenPipeError:
                pass
            err = proc.stderr.read().decode(errors="replace").strip()
            if proc.wait() != 0:
                raise RuntimeError(f"ffmpeg failed writing {mp4}: {err.splitlines()[-1] if err else proc.returncode}")
            # The JSON first, then the video: a video on disk always has its ground truth.
            write_text(js, json.dumps(truth))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return mp4


def _render_job(job):
    seed, index, out_dir, duration, size, threads = job
    name = video_name(seed, index)
    p = draw_params(seed, index, duration=duration, size=size)
    render_video(p, out_dir, name, threads=threads)
    return name


def video_name(seed, index):
    return f"metronome_{seed}_{index:05d}"


def render_metronome_set(out_dir, videos, seed=0, duration=None, size=None, workers=None, progress=True):
    """Renders ``videos`` metronome videos into ``out_dir`` over ``workers`` processes.

    Videos already there (mp4 and JSON) are kept. Returns the list of mp4 paths."""
    if videos < 1:
        raise UserError(f"--videos {videos}: render at least one video")
    require_ffmpeg()
    os.makedirs(out_dir, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    todo = [i for i in range(videos)
            if not (os.path.exists(os.path.join(out_dir, video_name(seed, i) + ".mp4"))
                    and os.path.exists(os.path.join(out_dir, video_name(seed, i) + ".json")))]
    threads = max(1, (os.cpu_count() or 1) // max(1, min(workers, len(todo) or 1)))
    jobs = [(seed, i, out_dir, duration, size, threads) for i in todo]
    from tqdm import tqdm
    bar = tqdm(total=videos, initial=videos - len(todo), desc="metronome videos", unit="video",
               disable=not progress)
    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            for _ in pool.imap_unordered(_render_job, jobs):
                bar.update()
    else:
        for job in jobs:
            _render_job(job)
            bar.update()
    bar.close()
    return [os.path.join(out_dir, video_name(seed, i) + ".mp4") for i in range(videos)]


def read_ground_truth(video_path):
    """The metronome ground truth beside ``video_path`` (same name, .json), or None."""
    path = os.path.splitext(video_path)[0] + ".json"
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            truth = json.load(f)
    except (OSError, ValueError):
        return None
    return truth if isinstance(truth, dict) and truth.get("format") == GROUND_TRUTH_FORMAT else None
