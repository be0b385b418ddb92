# elbv2-provider: the AWS ELBv2 API and Traefik's HTTP-provider endpoint (`serve`; Traefik runs beside it).
FROM python:3.11-slim AS provider
WORKDIR /app
COPY pyproject.toml ./
COPY provider ./provider
RUN pip install --no-cache-dir . && useradd --system --home /data provider && mkdir -p /data && chown provider /data
USER provider
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=2s --timeout=3s --retries=30 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["elbv2-provider", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/state.duckdb"]

# The one-shot demo set-up: the same image plus the aws CLI the tests use (v1, from PyPI).
FROM provider AS setup
HEALTHCHECK NONE
USER root
RUN pip install --no-cache-dir awscli
USER provider
ENTRYPOINT ["bash", "/demo/setup.sh"]
CMD []
