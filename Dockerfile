# argo-warden image: the package in a venv on python:3.11-slim, run as a non-root user (uid 65532).
# Works with a read-only root filesystem (the chart mounts an emptyDir at /tmp).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY webhook ./webhook
COPY grammar ./grammar
RUN python -m venv /opt/argo-warden \
 && /opt/argo-warden/bin/pip install --no-cache-dir --disable-pip-version-check . \
 && /opt/argo-warden/bin/argo-warden --version

FROM python:3.11-slim
RUN groupadd --gid 65532 warden \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin warden
COPY --from=build /opt/argo-warden /opt/argo-warden
ENV PATH=/opt/argo-warden/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["argo-warden"]
CMD ["serve", "--tls-cert=/etc/argo-warden/tls/tls.crt", "--tls-key=/etc/argo-warden/tls/tls.key", "--no-api"]
