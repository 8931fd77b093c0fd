"""Question sets and their metrics, and the `eval` command."""
