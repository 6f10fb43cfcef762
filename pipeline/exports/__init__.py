"""Parquet copies of the warehouse for BI tools and lakehouse engines."""
