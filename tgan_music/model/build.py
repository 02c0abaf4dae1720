"""Building a config's generator and discriminator from the registry."""
from tgan_music.embedding.encoders import feature_names
from tgan_music.registry import registry


def network_shape_args(config):
    """The positional arguments both networks take: clip geometry, conditioning, music dims."""
    d = config["data"]
    return (d["frames"], d["height"], d["width"], d["channels"],
            config["model"]["conditioning"], config["embedding"]["dims"])


def build_networks(config):
    """(generator, discriminator) of ``config``, on the CPU."""
    shape = network_shape_args(config)
    gen = registry("generator").build(config["model"]["generator"], *shape, where="model.generator: ",
                                      music_features=feature_names(config["embedding"]))
    dis = registry("discriminator").build(config["model"]["discriminator"], *shape,
                                          where="model.discriminator: ")
    return gen, dis


def build_frame_discriminator(config):
    """The frame discriminator of ``config`` (model.frame_discriminator), or None when
    train.frame_weight is 0."""
    if not config["train"]["frame_weight"]:
        return None
    d = config["data"]
    return registry("frame_discriminator").build(config["model"]["frame_discriminator"], d["height"], d["width"],
                                                 d["channels"], where="model.frame_discriminator: ")
