FROM python:3.11-slim-bookworm
# Pango for WeasyPrint; fonts are shipped in static/fonts.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir -r requirements/base.lock
COPY . .
ENV DJANGO_SETTINGS_MODULE=config.settings.base SAP_VAR_DIR=/app/var
RUN DJANGO_SECRET_KEY=collectstatic-only SAP_FIELD_ENCRYPTION_KEYS=unused SAP_FIELD_HASH_KEYS=unused \
    python manage.py collectstatic --noinput
RUN useradd --create-home portal && mkdir -p /app/var/media && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
