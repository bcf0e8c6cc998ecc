"""Data sources: manifest and layers, territories, official downloads."""
