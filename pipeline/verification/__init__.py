"""Recomputing the API's summaries in SQL and reconciling them with what the API returned."""
