"""Geometry helpers: CRS choice and transforms, k-d tree loading, point cells, walking estimates."""
