# The image manifests/deployment.yaml runs. Not built in this repository's CI (no Docker there).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package needs: keeps .venv, .git, tests and local databases out of the image.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY responses_api ./responses_api
COPY mcp_server ./mcp_server
COPY ml_intern_cli ./ml_intern_cli
RUN pip install . && rm -rf /src

# Fixed uid/gid so the Deployment's runAsUser matches. /app/var is writable only so that a plain
# `docker run` works on the default SQLite URL; Kubernetes uses PostgreSQL and a read-only root.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /app/var && chown app:app /app/var
WORKDIR /app
USER 10001:10001

EXPOSE 8000
# Exec form: the server is PID 1 and receives SIGTERM itself (graceful shutdown marks turns resumable).
CMD ["ml-intern-api", "serve", "--host", "0.0.0.0"]
