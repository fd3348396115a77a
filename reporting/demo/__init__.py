"""The synthetic demo data set (`manage.py seed_demo`): participants of the Asia-Pacific region,
their users, 24 months of returns and incidents along plausible routes, all drawn from one seed.

catalogue.py holds the fixed cast, plan.py the calendar of returns, incidents.py the generator,
loading.py the writers (COPY on PostgreSQL), people.py the users, seeding.py puts them together.
"""

from reporting.demo.seeding import DEFAULT_INCIDENTS, DEFAULT_SEED, DemoDatabaseNotEmpty, SeedResult, demo_seed

__all__ = ["DEFAULT_INCIDENTS", "DEFAULT_SEED", "DemoDatabaseNotEmpty", "SeedResult", "demo_seed"]
