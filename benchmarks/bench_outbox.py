"""Messages a second through the campaigns' outbox (issue 30), against plain smtplib.

Figure: N messages queued in a SQLite database of record, then sent by
:func:`geo_clsm.campaigns.sender.send_pending` to a real SMTP server on localhost (aiosmtpd, one
connection): per message, the claim, the ``sending`` commit with its link's hash, ``DATA`` and the
``sent`` commit. Baseline, named ``smtplib alone``: the same N messages (same bodies) sent over one
connection to the same server with ``smtplib`` and nothing stored. The ratio says what the crash
guarantee (three commits a message) costs. Peak memory is this process's.

Run: ``.venv/bin/python benchmarks/bench_outbox.py [N]`` (not in ``make bench``: no target in issue 30).
"""

from __future__ import annotations

import smtplib
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from common import free_port, report, self_peak_mib

from geo_clsm.campaigns.sender import send_pending
from geo_clsm.campaigns.smtp import parse_smtp_url
from geo_clsm.store import outbox
from geo_clsm.store.db import connect, upgrade

SENDER = "clsm@exemple-synthetique.invalid"


class _Count:
    def __init__(self) -> None:
        self.n = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.n += 1
        return "250 OK"


def _body(i: int) -> str:
    return f"Bonjour,\n\nfiche synthétique n° {i}\n\n  {{lien}}\n\n" + "Ligne de détail synthétique.\n" * 12


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    sink = _Count()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # Baseline: smtplib alone, one connection, nothing stored.
        t0 = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for i in range(n):
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = SENDER, f"synthetique-{i}@exemple.invalid", "Votre fiche"
                msg.set_content(_body(i).replace("{lien}", "https://exemple.invalid/maj/x"))
                client.send_message(msg)
        base_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            db = connect(f"sqlite:///{Path(tmp) / 'synthetic_outbox.db'}")
            upgrade(db)
            with db.begin() as conn:
                for i in range(n):
                    outbox.enqueue(
                        conn,
                        kind="invitation",
                        to_addr=f"synthetique-{i}@exemple.invalid",
                        subject="Votre fiche",
                        body=_body(i),
                    )
            t0 = time.perf_counter()
            rep = send_pending(
                db,
                smtp=parse_smtp_url(f"smtp://127.0.0.1:{port}?tls=none"),
                sender=SENDER,
                public_url="https://exemple.invalid",
                lease_s=600,
            )
            out_s = time.perf_counter() - t0
    finally:
        controller.stop()
    assert rep.sent == n and sink.n == 2 * n, (rep, sink.n)
    rate, base_rate = n / out_s, n / base_s
    print(f"outbox: {n} messages in {out_s:.2f} s ({rate:.0f}/s); smtplib alone: {base_s:.2f} s ({base_rate:.0f}/s)")
    report(
        "outbox (issue 30)",
        figure=f"{rate:.0f} messages/s",
        baseline_name="smtplib alone",
        baseline=f"{base_rate:.0f} messages/s",
        ratio=f"{rate / base_rate:.2f}",
        peak_mib=self_peak_mib(),
        target="none (reported)",
        met=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
