"""Config section ``evaluate`` (rhythm metrics: docs/metrics.md explains each choice)."""
from tgan_music.config.schema import Field
from tgan_music.evaluation.settings import AUDIO_BEATS, DEFAULT as RHYTHM

# The rhythm keys' defaults are RhythmSettings' (settings.py, CONFIG_KEYS maps the names).
SCHEMA = {
    "samples": Field(int, 64, doc="generated clips per evaluation"),
    "bas_sigma_seconds": Field(float, RHYTHM.sigma_seconds,
                               doc="Beat Alignment Score sigma in seconds (AIST++: 3 "
                                   "frames at 60 fps; at 12 fps it is 0.6 frame, above the ~10-25 ms "
                                   "timing error of sub-frame motion beats)"),
    "audio_beats": Field(str, RHYTHM.audio_beats, choices=AUDIO_BEATS,
                         doc="music beats: librosa beat tracker, onset peaks, the known metronome "
                             "ticks, or auto (ticks when known, else the beat tracker)"),
    "motion_blur_pixels": Field(float, RHYTHM.blur_pixels,
                                doc="spatial blur before frame differences (pixels at 96x128)"),
    "motion_noise_floor": Field(float, RHYTHM.noise_floor,
                                doc="per-pixel change below this multiple of the median "
                                    "change is noise (0 = off)"),
    "beat_prominence": Field(float, RHYTHM.prominence,
                             doc="a motion minimum is a beat when this fraction of the "
                                 "motion signal's range below its neighbouring maxima"),
    "shuffle_rounds": Field(int, 3, doc="shuffled-audio pairings per clip for the chance level"),
    "seed": Field(int, 0, doc="seed of the shuffled pairings and of the generated samples"),
}

# -- the tempo classifier, `tgan-music evaluate` and `tgan-music compare` (docs/evaluation.md) --
SCHEMA.update({
    "split": Field(str, "test", choices=("test", "val", "train", "all"),
                   doc="held-out split whose music conditions the generated clips"),
    "fd_reference_clips": Field(int, 256, doc="real training-split clips the Fréchet distance compares with"),
    "classifier": {
        "bins": Field(int, 12, doc="log-spaced tempo bins (12 over 40-208 BPM: 14.7 % wide, "
                                   "about the +-8 % tolerance of tempo_acc8)"),
        "low_bpm": Field(float, 40.0, doc="lowest tempo of the bins (the metronome's range)"),
        "high_bpm": Field(float, 208.0, doc="highest tempo of the bins"),
        "widths": Field(list, [16, 32, 64, 64], doc="channels of the four 3-D convolutions"),
        "feature_dims": Field(int, 64, doc="penultimate features (the Fréchet distance's space)"),
        "max_height": Field(int, 48, doc="clips are shrunk by an integer factor to at most this height"),
        "iterations": Field(int, 800, doc="training iterations (Adam)"),
        "batchsize": Field(int, 16),
        "lr": Field(float, 1e-3, doc="Adam's alpha"),
        "seed": Field(int, 0),
        "input": Field(str, "diff", choices=("diff", "rgb+diff"),
                       doc="diff: frame differences normalised per clip (what moves, not how the video "
                           "looks); rgb+diff: the frames too (format 1's input; memorises videos)"),
        "dropout": Field(float, 0.3, doc="dropout on the pooled features while training"),
        "weight_decay": Field(float, 1e-4, doc="L2 weight decay"),
        "label_sigma": Field(float, 0.7, doc="soft labels: Gaussian over neighbouring bins, in bins (0 = one-hot)"),
        "shift": Field(float, 0.1, doc="augmentation: random shift up to this fraction of the frame size"),
    },
    "compare": {
        "runs": Field(list, [], doc="the compared models: a list of {label, config, set: [KEY=VALUE, ...]} "
                                    "(config relative to the compare YAML)"),
        "iterations": Field((int, type(None)), None, doc="train.iterations of every run (null = each config's); "
                                                         "an iteration budget, instead of cpu_seconds"),
        "out": Field(str, "results/compare", doc="directory of the runs' result directories"),
        "report": Field(str, "docs/RESULTS.md", doc="the Markdown report; plots go to <its dir>/results/"),
        "videos": Field(int, 48, doc="metronome videos synthesized when data.root does not exist yet"),
        "video_seconds": Field(float, 8.0, doc="length of each synthesized video"),
        "video_size": Field(str, "160x120", doc="frame size of the synthesized videos (WxH)"),
        "video_seed": Field(int, 7, doc="seed of the synthesized videos"),
        "seeds": Field(list, [0], doc="training seeds: every run trains once per seed (config key seed); "
                                      "the report gives the mean and the 95 % t interval over them"),
        "cpu_seconds": Field(float, 0.0, doc="train.cpu_seconds of every run (equal CPU time; 0 = off, "
                                             "use iterations); with it train.iterations is max_iterations"),
        "max_iterations": Field(int, 1000000, doc="train.iterations of every run under cpu_seconds"),
        "snapshot_interval": Field((int, type(None)), None,
                                   doc="train.snapshot_interval of every run (null = each config's): the "
                                       "snapshots the selection set chooses among"),
        "snapshots_kept": Field(int, 100, doc="train.snapshots_kept of every run"),
        "selection": {
            "root": Field(str, "", doc="selection clip set: each run's snapshot is chosen on it (best "
                                       "tempo ±8 %, then BAS); synthesized like data.root when missing; "
                                       "'' = no selection, the last snapshot"),
            "videos": Field(int, 24, doc="metronome videos synthesized for it"),
            "video_seed": Field(int, 1007, doc="their seed (differs from video_seed and heldout's)"),
            "samples": Field(int, 96, doc="generated clips per snapshot scored on it"),
        },
        "heldout": {
            "root": Field(str, "", doc="held-out clip set the chosen snapshots are reported on (split all); "
                                       "synthesized like data.root when missing; '' = evaluate.split of data.root"),
            "videos": Field(int, 48, doc="metronome videos synthesized for it"),
            "video_seed": Field(int, 2007, doc="their seed"),
        },
        "songs": Field(str, "", doc="songs benchmark directory (`tgan-music dataset songs --out DIR`) the "
                                    "chosen snapshots are also reported on ('' = none)"),
        "songs_seeds": Field(int, 3, doc="videos per song (evaluate --songs --seeds)"),
        "songs_duration": Field(float, 20.0, doc="seconds per song at most (evaluate --songs --duration)"),
        "title": Field(str, "Results: baseline TGAN vs the conditional models on metronome clips",
                       doc="the report's title"),
        "summary": Field(str, "", doc="a paragraph for the report: what the tables answer about the "
                                      "seed's question ('' = a placeholder that says it is still to write)"),
        "notes": Field(list, [], doc="more notes (strings) for the report's Notes section"),
    },
})
