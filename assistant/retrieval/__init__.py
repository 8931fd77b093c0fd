"""A question to passages and candidate sentences: reading it, ranking, deciding whether it is answered."""
