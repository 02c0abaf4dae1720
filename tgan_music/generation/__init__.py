"""Generation: music videos from any song with a trained model."""
