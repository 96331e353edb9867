# Prometheus for the compose stack, from Debian's package: no registry is needed to build it
# (deploy/docker-compose.yml mounts deploy/prometheus/ at /etc/prometheus). With a registry at hand,
# docker.io/prom/prometheus works the same way: set CHATREC_PROMETHEUS_IMAGE.
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown prometheus:prometheus /prometheus
USER prometheus
VOLUME ["/prometheus"]
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
LABEL io.chatrec.image=prometheus
