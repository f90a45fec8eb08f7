# ballast container image: docs/deploy.md#container-image
#   docker build -t ballast:0.1.0 .
#   docker run --rm -p 8080:8080 -v "$PWD/config:/etc/ballast:ro" \
#     --read-only --tmpfs /tmp:rw,exec,size=64m --stop-timeout 45 ballast:0.1.0

# Build stage: Maven and JDK 17 build the shaded jar (server/target/ballast.jar) as the
# launcher does, for the server module and the modules it needs.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY core core
COPY sim sim
COPY proxy proxy
COPY server server
# Maven reads every module the parent lists; bench is not built here, its pom is enough.
COPY bench/pom.xml bench/pom.xml
RUN mvn -B -ntp -q -DskipTests -pl server -am package

# Runtime stage: a JRE 17, the jar, a probe script, and an unprivileged user.
FROM eclipse-temurin:17-jre-noble
RUN groupadd --system --gid 10001 ballast \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ballast \
    && mkdir -p /etc/ballast /opt/ballast
COPY --from=build /src/server/target/ballast.jar /opt/ballast/ballast.jar
COPY deploy/docker/ballast-probe /usr/local/bin/ballast-probe
# The configuration is mounted at /etc/ballast: a directory holding ballast.yaml (a Kubernetes
# ConfigMap, or a host directory); nothing in the image is written at run time but /tmp.
WORKDIR /opt/ballast
USER 10001:10001
# HTTP and HTTPS as the examples bind them (examples/minimal.yaml, examples/tls.yaml); the
# config decides. The admin listener (9901) stays on 127.0.0.1 inside the container unless the
# config binds it elsewhere with an admin.token (docs/deploy.md#ports-health-and-the-admin-listener).
EXPOSE 8080 8443
# /healthz on the admin listener, from inside the container: reads need no token there.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/ballast-probe", "/healthz"]
# Java is PID 1 and gets SIGTERM (graceful drain, exit 0) and SIGHUP (reload) itself. On JDK 17
# the jar's manifest carries the Add-Opens Netty needs; the launcher's JDK 24+ flags do not
# apply. More JVM options: JAVA_TOOL_OPTIONS (for example -Xmx512m).
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/ballast/ballast.jar"]
CMD ["run", "--config", "/etc/ballast/ballast.yaml"]
