# syntax=docker/dockerfile:1
# Build: docker build -t k0rdent-api .
# Run:   docker run -p 8080:8080 -p 8081:8081 -p 9000:9000 k0rdent-api   (dev mode; pass `serve` for production)

# Build stage: the reactor builds the jar and the modules it needs from the sources; no dependency
# pre-fetch layer (the reactor's own snapshot modules are in no repository, so one would only hide errors).
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY core core
COPY router router
COPY verticles verticles
COPY perf perf
RUN ./mvnw -B -ntp -q -pl verticles -am package -DskipTests

# Runtime stage: JRE only, unprivileged user with a fixed numeric id (so Kubernetes' runAsNonRoot can check it).
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 k0rdent \
 && useradd --system --uid 10001 --gid k0rdent --home-dir /app --shell /usr/sbin/nologin k0rdent
WORKDIR /app
COPY --from=build /src/verticles/target/k0rdent-api.jar /app/k0rdent-api.jar
COPY config /app/config
# In a container the listeners must bind every interface to be reachable from outside, whatever the
# mode's own default (dev mode is to default to loopback); set K0RDENT_HTTP_HOST to override.
ENV K0RDENT_HTTP_HOST=0.0.0.0
USER 10001:10001
EXPOSE 8080 8081 9000
# Shell form so the probe follows K0RDENT_HTTP_MANAGEMENT_PORT (default 9000). Each probe starts a JVM,
# hence the 30 s interval.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD java -cp /app/k0rdent-api.jar io.k0rdent.api.verticles.launcher.HealthCheck "http://127.0.0.1:${K0RDENT_HTTP_MANAGEMENT_PORT:-9000}/healthz" || exit 1
ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/k0rdent-api.jar"]
CMD ["dev"]
