"""The territorial diagnostic report: figures (pure data), charts, HTML / PDF, comparison.

:func:`.figures.report_figures` computes every figure once (:mod:`.figures`); the HTML and PDF
(:mod:`.render`) and the API's JSON read the same :class:`ReportFigures`.
"""
