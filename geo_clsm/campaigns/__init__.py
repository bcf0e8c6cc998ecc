"""Confirmation campaigns (issue 30, item 1): the places of a territory confirm or correct their own
records through a personal link sent by e-mail.

- :mod:`.messages`: the French messages (invitation, reminder), with the record's public details;
- :mod:`.service`: start a campaign, queue the reminders, confirm a record;
- :mod:`.smtp`: ``GEO_CLSM_SMTP_URL`` read, and the connection (SSL, STARTTLS or, for a local relay, none);
- :mod:`.sender`: the outbox sent through SMTP, crash-safe (:mod:`geo_clsm.store.outbox`);
- :mod:`.worker`: the sender's thread in the service.

The tables are in :mod:`geo_clsm.store.schema`, their use in :mod:`geo_clsm.store.campaigns`,
:mod:`geo_clsm.store.corrections` and :mod:`geo_clsm.store.outbox`.
"""
