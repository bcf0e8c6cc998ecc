"""Access gaps: per-QPV indicators per resource type, equity against the rest of the
territory, two-step floating catchment area (2SFCA) scores, uncertainty, and what-if
scenarios.

Split by concern: :mod:`.params` (parameters, result), :mod:`.sampling` (sample points,
weights, demand), :mod:`.distances` (supply, distance statistics), :mod:`.sfca` (2SFCA),
:mod:`.indicators` (the per-QPV table), :mod:`.uncertainty` (what a figure relies on),
:mod:`.present` (rounding, French formatting),
:mod:`.scenarios` (what-if).
"""
