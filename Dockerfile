# citybot: build a wheel in one stage, install it into a slim runtime as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY flows flows
COPY storage storage
COPY locales locales
COPY cities cities
# Only citybot itself: its dependencies come from requirements.lock, pinned to the last one.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
# fonts-dejavu-core: the charts and posters draw Kyrgyz letters with DejaVu Sans. Not pinned
# to a version: the base image's Debian release decides it, and a pin breaks every rebuild
# after a point release (fonts only; Python packages are pinned in pyproject.toml).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/citybot --uid 10001 citybot \
    && mkdir /data && chown citybot /data
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /data
VOLUME ["/data"]
ENV CITYBOT_DATABASE=/data/citybot.sqlite3 \
    CITYBOT_HOST=0.0.0.0 \
    CITYBOT_PORT=8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os,urllib.request;urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CITYBOT_PORT','8080'),timeout=4)"]
ENTRYPOINT ["citybot"]
CMD ["run"]
