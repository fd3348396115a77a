# One image for web (gunicorn), worker (celery worker) and beat (celery beat); docker-compose.yml
# chooses the command. Settings come from the environment only (config/settings/production.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first, read from pyproject.toml alone, so a code change does not reinstall them.
# Every pinned dependency ships a wheel (psycopg2-binary included): no compiler needed.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# An unprivileged user; it owns only what it writes: collected static files and uploaded imports.
RUN useradd --create-home --uid 10001 vrs \
    && mkdir -p /app/staticfiles /app/media \
    && chown vrs:vrs /app/staticfiles /app/media
USER vrs

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
