"""The SMTP server the campaigns' messages leave through: ``GEO_CLSM_SMTP_URL``.

- ``smtps://host[:465]``: TLS from the first byte (SSL);
- ``smtp://host[:587]``: STARTTLS, required (no message nor password goes out in clear);
- ``smtp://host:25?tls=none``: no encryption, for a relay on the same machine or network only.

Credentials come from the environment: ``GEO_CLSM_SMTP_USER`` and ``GEO_CLSM_SMTP_PASSWORD`` (or
``smtp://user:password@host``, percent-encoded). ``?cafile=/path/ca.pem`` trusts a private
certificate authority (certificates are always verified).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from geo_clsm.model.errors import InvalidInputError

Security = Literal["ssl", "starttls", "none"]


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    user: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    cafile: str | None = None

    def __repr__(self) -> str:  # never the password in a log
        return f"SmtpConfig({self.security}://{self.host}:{self.port}, user={self.user!r})"


def parse_smtp_url(
    url: str, *, user: str | None = None, password: str | None = None, timeout_s: float = 30.0
) -> SmtpConfig:
    """Read ``GEO_CLSM_SMTP_URL``; :class:`InvalidInputError` in French when it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInputError(
            "GEO_CLSM_SMTP_URL : écrire smtps://serveur:465, smtp://serveur:587 (STARTTLS) "
            "ou smtp://serveur:25?tls=none (relais local)"
        )
    query = parse_qs(parts.query)
    tls = (query.get("tls") or [""])[0]
    if tls not in ("", "none", "starttls"):
        raise InvalidInputError(f"GEO_CLSM_SMTP_URL : tls={tls} inconnu (none ou starttls)")
    security: Security = "ssl" if parts.scheme == "smtps" else ("none" if tls == "none" else "starttls")
    try:
        port = parts.port or {"ssl": 465, "starttls": 587, "none": 25}[security]
    except ValueError:
        raise InvalidInputError("GEO_CLSM_SMTP_URL : port invalide") from None
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        user=user or (unquote(parts.username) if parts.username else None),
        password=password or (unquote(parts.password) if parts.password else None),
        timeout_s=timeout_s,
        cafile=query["cafile"][0] if query.get("cafile") else None,
    )


def connect(cfg: SmtpConfig) -> smtplib.SMTP:
    """An open, greeted (and, with credentials, authenticated) connection."""
    context = ssl.create_default_context(cafile=cfg.cafile)
    client: smtplib.SMTP
    if cfg.security == "ssl":
        client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s, context=context)
    else:
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
    try:
        client.ehlo()
        if cfg.security == "starttls":
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    f"le serveur {cfg.host} ne propose pas STARTTLS : rien n'est envoyé en clair "
                    "(smtps:// pour SSL, ou ?tls=none pour un relais local)"
                )
            client.starttls(context=context)
            client.ehlo()
        if cfg.user and cfg.password:
            client.login(cfg.user, cfg.password)
    except BaseException:
        client.close()
        raise
    return client
