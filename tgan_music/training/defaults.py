"""Config section ``train`` (TGAN's hyper-parameters are the defaults)."""
from tgan_music.config.schema import Field

SCHEMA = {
    "batchsize": Field(int, 32),
    "iterations": Field(int, 100000),
    "optimizer": Field(str, "rmsprop", choices=("rmsprop", "adam")),
    "lr": Field(float, 5e-5),
    "svc_freq": Field(int, 5, doc="singular value clipping every N iterations (0 = off)"),
    "log_interval": Field(int, 10),
    "snapshot_interval": Field(int, 1000),
    "preview_interval": Field(int, 1000),
}
