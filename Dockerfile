# syntax=docker/dockerfile:1
# Build: docker build -t k0rdent-api .   Run: docker run -p 8080:8080 -p 8081:8081 -p 9000:9000 k0rdent-api
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY core/pom.xml core/pom.xml
COPY router/pom.xml router/pom.xml
COPY verticles/pom.xml verticles/pom.xml
COPY perf/pom.xml perf/pom.xml
RUN ./mvnw -B -ntp -q dependency:go-offline -DexcludeReactor=true || true
COPY core core
COPY router router
COPY verticles verticles
COPY perf perf
RUN ./mvnw -B -ntp -q -pl verticles -am package -DskipTests

FROM eclipse-temurin:17-jre
RUN groupadd --system k0rdent && useradd --system --gid k0rdent --home-dir /app --shell /usr/sbin/nologin k0rdent
WORKDIR /app
COPY --from=build /src/verticles/target/k0rdent-api.jar /app/k0rdent-api.jar
COPY config /app/config
USER k0rdent
EXPOSE 8080 8081 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["java", "-cp", "/app/k0rdent-api.jar", "io.k0rdent.api.verticles.launcher.HealthCheck", "http://127.0.0.1:9000/healthz"]
ENTRYPOINT ["java", "-XX:+UseZGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/k0rdent-api.jar"]
CMD ["dev"]
