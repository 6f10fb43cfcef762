"""Talking to the Meibel API v2: its schemas and an async client."""
