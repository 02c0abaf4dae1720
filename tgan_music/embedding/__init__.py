"""Music embeddings: the frozen NSynth WaveNet encoder, an offline librosa embedder, the .npy cache."""
