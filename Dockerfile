# Container image for deployments (not used by the tests). Configure with LMS_* environment variables.
FROM python:3.11-slim-bookworm
# serve.sh binds 127.0.0.1 by default; publish the port deliberately: docker run -e LMS_BIND=0.0.0.0:8000 …
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 lms
WORKDIR /app
COPY . /app
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -e '.[postgres]'
RUN .venv/bin/pybabel compile -f -d lms/translations && mkdir -p /app/instance && chown -R lms /app/instance
USER lms
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["scripts/serve.sh"]
