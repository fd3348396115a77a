"""Linked incidents across participants (docs/links.md): one venture reported by two participants.

`models` holds the link, `services` proposes and decides links, `selectors` reads them through the
reciprocity rule, `views` and `api` are the web page and the API, `tasks` the Celery job.
"""
