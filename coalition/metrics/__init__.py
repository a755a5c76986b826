"""Metrics and exports: the dataset registry, export formats, streaming and background exports."""
