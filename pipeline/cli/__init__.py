"""The `meibel-pipeline` command line."""
