"""On-disk clip sets: per-source uint8/float32 .npy shards opened as memmaps, plus a manifest.

Layout of a clip set directory::

    dataset.json          clip geometry: fps, frames, height, width, channels, sample_rate
    manifest.jsonl        one JSON row per clip, in clip-index order
    sources.jsonl         one JSON row per processed source: {source_key, source, status, reason, clips}
    clips/<source_key>/video.npy   uint8 (n, frames, height, width, 3)
    clips/<source_key>/audio.npy   float32 (n, samples) mono at sample_rate, samples = frames / fps * rate
    embeddings/<encoder-id>/...    music embeddings (tgan_music.embedding.cache)

A manifest row: ``clip`` (global index), ``source`` (path of the original video),
``source_key``, ``index`` (row within the source's shard), ``start`` (seconds into
the source), ``tempo_bpm`` and ``phase`` (when known, else null).

Shards are written to a temporary directory and renamed into place; the manifest
and source log are appended after that, so an interrupted run leaves every finished
source intact and a re-run skips them. The sources row is the commit point: manifest rows
of a source without one are ignored, a re-done source counts once, and a torn last line
(a kill or a full disk mid-append) is ignored on reading and cut off before the next append.
Writers hold the clip set's lock (tgan_music.locking).
"""
import json
import os

import numpy as np

from tgan_music.atomic import atomic_path, test_pause, write_json
from tgan_music.errors import UserError, as_user_error

GEOMETRY_KEYS = ("fps", "frames", "height", "width", "channels", "sample_rate")


def clip_samples(geometry):
    """Audio samples per clip: exactly the clip's duration at the audio rate."""
    seconds = geometry["frames"] / geometry["fps"]
    samples = seconds * geometry["sample_rate"]
    if abs(samples - round(samples)) > 1e-6:
        raise UserError(f"clip of {geometry['frames']} frames at {geometry['fps']} fps is not a whole "
                        f"number of samples at {geometry['sample_rate']} Hz; change data.frames or data.fps")
    return int(round(samples))


def repair_jsonl(path):
    """Cuts a torn last line (a write cut short by a kill or a full disk) off ``path``, so the
    next append starts on a line of its own; returns the bytes removed."""
    if not os.path.exists(path):
        return 0
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        # Find the end of the last complete line.
        pos, keep = size, 0
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step)
            i = chunk.rfind(b"\n")
            if i >= 0:
                keep = pos + i + 1
                break
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())
        return size - keep


def _append_jsonl(path, rows):
    """Appends ``rows`` as whole lines; a failed append (a full disk) is cut back off."""
    repair_jsonl(path)
    size = os.path.getsize(path) if os.path.exists(path) else 0
    data = "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
    try:
        with open(path, "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        try:
            with open(path, "rb+") as f:
                f.truncate(size)
        except OSError:
            pass   # the next append repairs the torn line
        converted = as_user_error(e, path, written=len(data), formats=False) if isinstance(e, Exception) else None
        if converted is None:
            raise
        raise converted from None


def _read_jsonl(path):
    """The rows of ``path``; a torn last line (no newline: a write cut short) is ignored."""
    rows = []
    if os.path.exists(path):
        with open(path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        torn = lines.pop()   # after the last newline: b"" for a whole file, else a torn line
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise UserError(f"{path}: line {n} is not valid JSON; the clip set is damaged, "
                                "re-run the extraction into a new directory") from None
        if torn.strip():
            try:
                rows.append(json.loads(torn))   # a complete row that only lacks its newline
            except (json.JSONDecodeError, UnicodeDecodeError):
                pass   # a torn line from a killed run: the source it described is re-done
    return rows


def committed_rows(sources, manifest):
    """(sources by key, manifest rows in clip order) from the two logs.

    ``sources.jsonl`` is the commit point: a source counts once its row is there (the last row
    of a key wins), and its clips are the manifest rows of its last write (the last row of each
    ``index`` below its ``clips``), in the order the sources were committed. Manifest rows of a
    source appended by a run killed before its sources row (and appended again by the re-run)
    therefore count once."""
    by_key, order = {}, {}
    for n, s in enumerate(sources):
        by_key[s["source_key"]] = s
        if s.get("status") == "ok":
            order[s["source_key"]] = n
    done = {k: s for k, s in by_key.items() if s.get("status") == "ok"}
    latest = {}
    for row in manifest:
        key = row.get("source_key")
        limit = done.get(key, {}).get("clips")
        if key in done and 0 <= row.get("index", -1) and (limit is None or row["index"] < int(limit)):
            latest.setdefault(key, {})[row["index"]] = row
    rows = []
    for key in sorted(done, key=order.get):
        mine = latest.get(key, {})
        rows += [mine[i] for i in sorted(mine)]
    return by_key, rows


class ClipStore:
    """Reads and appends to a clip set directory without loading it into memory."""

    def __init__(self, root, geometry=None):
        self.root = root
        meta_path = os.path.join(root, "dataset.json")
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                stored = json.load(f)
            if geometry is not None:
                diff = {k: (stored.get(k), geometry[k]) for k in GEOMETRY_KEYS if stored.get(k) != geometry[k]}
                if diff:
                    raise UserError(f"{root}: clip set was made with {diff} (stored, asked); "
                                    "use another --out directory or the stored settings")
            self.geometry = stored
        elif geometry is not None:
            os.makedirs(root, exist_ok=True)
            self.geometry = {k: geometry[k] for k in GEOMETRY_KEYS}
            write_json(meta_path, self.geometry)
        else:
            raise UserError(f"{root}: not a clip set (no dataset.json); make one with "
                            "`tgan-music dataset extract` or `tgan-music dataset metronome`")
        self.samples = clip_samples(self.geometry)
        self._shards = {}
        self.reload()

    # -- reading ---------------------------------------------------------
    def reload(self):
        # Rows of a source whose shard never got renamed into place, or whose sources row was
        # never written (a kill between the two appends), are ignored; duplicates count once.
        self.sources, self.rows = committed_rows(_read_jsonl(os.path.join(self.root, "sources.jsonl")),
                                                 _read_jsonl(os.path.join(self.root, "manifest.jsonl")))
        for i, row in enumerate(self.rows):
            row["clip"] = i

    def __len__(self):
        return len(self.rows)

    def _shard(self, source_key, kind):
        key = (source_key, kind)
        if key not in self._shards:
            path = os.path.join(self.root, "clips", source_key, f"{kind}.npy")
            try:
                self._shards[key] = np.load(path, mmap_mode="r")
            except (OSError, ValueError) as e:
                raise UserError(f"{path}: cannot read shard ({e}); delete clips/{source_key} and "
                                "re-run the extraction to redo that source") from None
        return self._shards[key]

    def video(self, clip):
        """uint8 (frames, height, width, channels), a read-only memmap view."""
        row = self.rows[clip]
        return self._shard(row["source_key"], "video")[row["index"]]

    def audio(self, clip):
        """float32 (samples,) mono at ``geometry['sample_rate']``, a read-only memmap view."""
        row = self.rows[clip]
        return self._shard(row["source_key"], "audio")[row["index"]]

    def is_done(self, source_key):
        return source_key in self.sources

    # -- writing ---------------------------------------------------------
    def add_source(self, source_key, source, video, audio, rows, status="ok", reason=None):
        """Atomically stores one source's clips (``video`` uint8 (n,T,H,W,C), ``audio`` float32 (n,S)).

        ``rows`` are the manifest rows (without ``clip``/``index``/``source_key``)."""
        g = self.geometry
        n = len(rows)
        if status == "ok":
            want_v = (n, g["frames"], g["height"], g["width"], g["channels"])
            if video.shape != want_v or video.dtype != np.uint8:
                raise ValueError(f"video shard {video.shape} {video.dtype}, expected {want_v} uint8")
            if audio.shape != (n, self.samples) or audio.dtype != np.float32:
                raise ValueError(f"audio shard {audio.shape} {audio.dtype}, expected {(n, self.samples)} float32")
            final = os.path.join(self.root, "clips", source_key)
            with atomic_path(final) as tmp:
                os.makedirs(tmp)
                np.save(os.path.join(tmp, "video.npy"), video)
                np.save(os.path.join(tmp, "audio.npy"), audio)
            manifest = [dict(row, source_key=source_key, source=source, index=i) for i, row in enumerate(rows)]
            _append_jsonl(os.path.join(self.root, "manifest.jsonl"), manifest)
            test_pause("clipset-commit")   # a kill here: the source is re-done by the next run
        # The commit point: the source counts from this row on.
        _append_jsonl(os.path.join(self.root, "sources.jsonl"),
                      [{"source_key": source_key, "source": source, "status": status,
                        "reason": reason, "clips": n if status == "ok" else 0}])
        self.reload()
