"""The observatory: the indicators of every territory kept at each data version, their time
series, and what changed since a date (resources opened, closed, moved; each indicator).

:mod:`.snapshots` (build, store and read snapshots), :mod:`.recorder` (off the request path),
:mod:`.evolution` (changes since a date, series), :mod:`.charts` (matplotlib, PNG).
"""
