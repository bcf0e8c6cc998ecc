"""Printed documents: the public guide (and, later, the diagnostic report).

``staticmap`` draws maps without network, ``pdf`` renders HTML to a tagged PDF,
``render`` fills the Jinja2 templates; ``guide`` assembles the guide's public content.
"""
