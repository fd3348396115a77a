"""gunicorn's settings wherever the site is served: production (docker-compose.yml and the image's
own command) and the benchmarks that measure it through HTTP (bench/_gunicorn.py). gunicorn reads
this file from its working directory, so what the benchmarks measure is what production runs.

gthread workers: national systems keep their connections open (keep-alive), and a worker's
threads overlap their waits on PostgreSQL. Measured on the 2-core benchmark machine (bench/api.py):
4 workers × 4 threads; 2 × 8, 2 × 4 and 4 sync workers cost the same CPU per request within the
noise of the machine.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 30
backlog = 256
