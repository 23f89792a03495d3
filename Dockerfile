# The Tablero API. `compose.yaml` runs it beside PostgreSQL 16.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TABLERO_HOST=0.0.0.0 \
    TABLERO_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY api ./api
COPY schema ./schema
COPY services ./services
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 tablero
USER tablero

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TABLERO_PORT', '8000'), timeout=2)"
CMD ["tablero", "serve"]
