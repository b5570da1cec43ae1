# Production image: `lrs serve` (the API) by default; the same image runs `lrs worker` and `lrs migrate`.
# Build stage: compile wheels for the project and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY lrs ./lrs
COPY analytics ./analytics
COPY workers ./workers
COPY conformance_tests ./conformance_tests
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compilers, a non-root user, migrations beside the code.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LRS_HOST=0.0.0.0 LRS_PORT=8080 LRS_ALEMBIC_DIR=/app/alembic
RUN useradd --create-home --uid 10001 lrs
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY alembic ./alembic
USER lrs
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health').status == 200 else 1)"
CMD ["lrs", "serve"]
