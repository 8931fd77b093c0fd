"""Words and what they mean: folding and sentences, the pose lexicon, sentence roles, question kinds."""
