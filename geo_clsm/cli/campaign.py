"""``geo-clsm campaign``: start a confirmation campaign, send the outbox, list, revoke.

``start`` queues the messages (in the database); ``send`` hands them to the SMTP server
(``GEO_CLSM_SMTP_URL``), with the service's guarantee: a crash loses nothing and sends nothing twice
(docs/campaigns.md). The service's own sender thread does the same when the SMTP settings are set.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    c = sub.add_parser("campaign", help="campagnes de confirmation des fiches par les structures")
    csub = c.add_subparsers(dest="action", required=True)
    s = csub.add_parser("start", help="écrire aux structures d'un territoire (les messages partent avec « send »)")
    s.add_argument("--territory", required=True, help="identifiant du territoire, par exemple metz")
    s.add_argument("--type", default=None, help="seulement ce type de lieu (CMP, CMPP, …)")
    s.add_argument(
        "--stale",
        action="store_true",
        help="seulement les fiches « à confirmer » (non confirmées depuis le délai du territoire, 12 mois par défaut)",
    )
    s.add_argument("--ids", default=None, help="seulement ces fiches (identifiants séparés par des virgules)")
    s.add_argument("--by", default="ligne de commande", help="qui lance la campagne (noté dans l'historique)")
    s.add_argument("--name", default=None, help="nom du territoire dans les messages (défaut : son identifiant)")
    s.add_argument("--link-days", type=int, default=None, help="durée des liens (défaut : GEO_CLSM_CAMPAIGN_LINK_DAYS)")
    s.add_argument(
        "--remind-days", type=int, default=None, help="rappel après N jours (défaut : GEO_CLSM_CAMPAIGN_REMINDER_DAYS)"
    )
    se = csub.add_parser("send", help="envoyer les messages en attente (et les rappels dus) par SMTP")
    se.add_argument("--limit", type=int, default=None, help="au plus N messages")
    csub.add_parser("list", help="les campagnes et leurs comptes")
    r = csub.add_parser("revoke", help="désactiver les liens d'une campagne (ou d'une fiche)")
    r.add_argument("campaign", type=int)
    r.add_argument("--resource", default=None, help="seulement le lien de cette fiche")
    csub.add_parser("retry-uncertain", help="renvoyer les messages peut-être reçus lors d'une panne (décision humaine)")
    for q in csub.choices.values():
        q.add_argument("--database", default=None, help="URL (défaut : GEO_CLSM_DATABASE_URL)")
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geo_clsm.model.freshness import ConfirmPolicy, set_confirm_policy
    from geo_clsm.settings import Settings
    from geo_clsm.store.db import check_schema, connect

    settings = Settings()
    # --stale: « à confirmer » as the service says it (each territory's threshold).
    set_confirm_policy(ConfirmPolicy(settings.confirm_after_months, dict(settings.confirm_after_months_by_territory)))
    db = connect(args.database or settings.database_url)
    check_schema(db)
    return int(_ACTIONS[args.action](args, settings, db))


def _start(args: argparse.Namespace, settings: Any, db: Any) -> int:
    from geo_clsm.campaigns.service import start_campaign
    from geo_clsm.engine.build import load_served_catalog
    from geo_clsm.store.rights import territory_map

    # The served places: the records inside the territory by position or commune are its too (issue 31).
    places = territory_map(load_served_catalog(settings))

    started = start_campaign(
        db,
        territory=args.territory,
        created_by=args.by,
        link_days=args.link_days or settings.campaign_link_days,
        remind_after_days=settings.campaign_reminder_days if args.remind_days is None else args.remind_days,
        territory_name=args.name,
        resource_type=args.type,
        stale_only=args.stale,
        ids=[i.strip() for i in args.ids.split(",") if i.strip()] if args.ids else None,
        places=places,
    )
    print(f"campagne n° {started.campaign_id} : {len(started.recipients)} message(s) en attente d'envoi")
    for r in started.without_email:
        print(f"  sans adresse e-mail, non contactée : {r.id} ({r.name})")
    return 0


def _send(args: argparse.Namespace, settings: Any, db: Any) -> int:
    from geo_clsm.campaigns.sender import send_pending
    from geo_clsm.campaigns.service import queue_reminders
    from geo_clsm.campaigns.worker import smtp_config
    from geo_clsm.model.errors import InvalidInputError

    if not settings.smtp_from or not settings.public_url:
        raise InvalidInputError("GEO_CLSM_SMTP_FROM et GEO_CLSM_PUBLIC_URL sont nécessaires pour envoyer")
    reminders = queue_reminders(db)
    rep = send_pending(
        db,
        smtp=smtp_config(settings),
        sender=settings.smtp_from,
        public_url=settings.public_url,
        lease_s=settings.outbox_lease_s,
        limit=args.limit,
    )
    print(
        f"envoyés : {rep.sent} ; refusés : {rep.failed} ; à réessayer : {rep.retried} ; rappels ajoutés : {reminders}"
        f" ; repris après une panne : {rep.requeued} ; incertains (non renvoyés) : {rep.uncertain}"
    )
    return 0 if not rep.failed else 1


def _list(args: argparse.Namespace, settings: Any, db: Any) -> int:
    from geo_clsm.store.campaigns import list_campaigns

    with db.connect() as conn:
        for c in list_campaigns(conn):
            print(
                f"n° {c['id']} {c['territory']} ({c['status']}) : {c['recipients']} structures, envoyés {c['sent']}, "
                f"ouverts {c['opened']}, confirmés {c['confirmed']}, corrigés {c['corrected']}, échecs {c['failed']}"
            )
    return 0


def _revoke(args: argparse.Namespace, settings: Any, db: Any) -> int:
    from geo_clsm.store.campaigns import revoke

    print(f"liens désactivés : {revoke(db, campaign_id=args.campaign, resource_id=args.resource)}")
    return 0


def _retry(args: argparse.Namespace, settings: Any, db: Any) -> int:
    from geo_clsm.store.outbox import requeue_uncertain

    print(f"remis en attente : {requeue_uncertain(db)}")
    return 0


_ACTIONS = {"start": _start, "send": _send, "list": _list, "revoke": _revoke, "retry-uncertain": _retry}
