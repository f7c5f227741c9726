"""fastText author-archetype classifiers: text preparation, training with a held-out report, the model."""
