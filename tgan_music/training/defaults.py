"""Config section ``train`` (TGAN's hyper-parameters are the defaults)."""
from tgan_music.config.schema import Component, Field

SCHEMA = {
    "batchsize": Field(int, 32, minimum=1),
    "iterations": Field(int, 100000, minimum=1),
    "cpu_seconds": Field(float, 0.0, doc="also stop once training has used this much process CPU time "
                                          "(all threads; 0 = no limit): ablations at equal CPU time", minimum=0),
    "optimizer": Field(str, "rmsprop", choices=("rmsprop", "adam")),
    "lr": Field(float, 5e-5),
    "beta1": Field(float, 0.5, doc="Adam's beta1 (optimizer adam only)"),
    "dis_lr_scale": Field(float, 1.0, doc="the discriminator's learning rate is lr times this "
                                          "(two time-scale updates; < 1 slows a D that overpowers G)"),
    "loss": Component("loss", "conditional_logistic", doc="wgan (TGAN), conditional_logistic (the seed), hinge"),
    "svc_freq": Field(int, 5, doc="singular value clipping every N iterations (0 = off)", minimum=0),
    "log_interval": Field(int, 10, minimum=1),
    "snapshot_interval": Field(int, 1000, minimum=1),
    "snapshots_kept": Field(int, 2, doc="snapshots kept on disk (the newest ones)", minimum=1),
    "preview_interval": Field(int, 1000, minimum=0,
                              doc="write a preview mp4 + PNG strip every N iterations (0 = off)"),
    "preview_clips": Field(int, 2, doc="music clips in a preview (played one after the other)", minimum=1),
    "preview_samples": Field(int, 3, minimum=1,
                             doc="generated samples per music clip in a preview (next to the real clip)"),
    "metrics": Field(list, [], doc="evaluation metrics run during training: a list of {name, args} "
                                   "of registry('metric')"),
    "multi_node_bn": Field(bool, True, doc="under MPI (--communicator): batch normalization over the global "
                                           "batch of all processes, so N processes train like 1; false = "
                                           "each process normalizes its own slice"),
    "metrics_interval": Field(int, 0, doc="run train.metrics every N iterations (0 = only at the end)", minimum=0),
    "frame_weight": Field(float, 0.0, doc="weight of the frame discriminator (model.frame_discriminator: single "
                                          "frames, unconditioned, MoCoGAN's image D) in G's loss; it trains beside D "
                                          "with the same loss and optimizer settings (0 = off)", minimum=0),
    "frame_samples": Field(int, 4, doc="frames per clip, at random times, that the frame discriminator scores",
                           minimum=1),
    "frame_warmup": Field(int, 0, doc="with the frame discriminator: the first N iterations train G against it "
                                      "alone (D, SVC and the sync loss wait; sync_start counts from the end), so "
                                      "G learns varied pictures before it learns motion (0 = none)", minimum=0),
    "frame_warmup_z": Field(int, 1, doc="during train.frame_warmup: z drawn per clip of the batch (its music "
                                        "repeated), so the frame discriminator sees this many times as many "
                                        "pictures per step (1 = one per clip)", minimum=1),
    "augment": Field(list, [], doc="DiffAugment inside D for real and fake clips, one draw per clip: any of "
                                   "color, translation, cutout ([] = off)"),
    "shift_mismatch": Field(bool, False, doc="D also scores real clips with their own music moved by a fraction "
                                             "of a beat (same source, another start) as a mismatch (loss arg c / "
                                             "shift_weight)"),
    "r1_gamma": Field(float, 0.0, doc="lazy R1 (Mescheder et al.): gamma/2 E |grad_x D(real)|^2 added to D's loss "
                                      "every r1_interval D steps, scaled by the interval (0 = off)"),
    "r1_interval": Field(int, 16, doc="D steps between R1 penalties (StyleGAN2's lazy regularisation)"),
    "ema": Field(float, 0.0, doc="G_ema: moving average of G's weights with this decay per iteration (0 = off); "
                                 "previews, metrics, export and generate use it"),
    "sync_weight": Field(float, 0.0, doc="weight of the sync expert's loss for G: E softplus(s(G, m') - s(G, m)), "
                                         "the clip's own music scored above other and beat-shifted music m' "
                                         "(model.sync, trained on real clips before the GAN, then frozen; 0 = off)",
                         minimum=0),
    "sync_expert": Field(str, "", doc="a trained sync expert (.npz) to use; empty = train one into "
                                      "OUT/sync_expert.npz (kept there, reused on resume)"),
    "sync_iterations": Field(int, 1200, doc="training steps of the sync expert", minimum=1),
    "sync_batchsize": Field(int, 16, doc="real clips per sync expert step", minimum=2),
    "sync_lr": Field(float, 2e-3, doc="Adam's step size for the sync expert"),
    "sync_start": Field(int, 0, doc="G's sync loss (and the expert's training in the GAN) is off for this many "
                                    "iterations, then ramps linearly to full weight over as many (0 = on from the "
                                    "start)", minimum=0),
    "sync_train": Field(bool, False, doc="keep training the sync expert during the GAN, with the generated clips "
                                         "as negatives (a sync discriminator): the opposite of G's sync loss"),
    "sync_gan_lr": Field(float, 2e-4, doc="Adam's step size for the sync expert while the GAN trains (sync_train)"),
    "cpu_kernels": Field(str, "native", choices=("native", "chainer", "onednn", "auto"),
                         doc="CPU convolution kernels: native (tgan_music.model.kernels: GEMM-order columns, "
                             "sub-pixel deconvolutions), chainer (Chainer's own im2col/col2im, for comparison) or "
                             "onednn (tgan_music.model.onednn: oneDNN's direct convolutions through PyTorch's CPU "
                             "build, dilations included; needs the bench extra) or auto (onednn where PyTorch "
                             "imports, else native); results agree within float tolerance; the GPU path is "
                             "Chainer's either way"),
}
