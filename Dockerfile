# Builds the Canopy node from source and runs it. Used by docker-compose.yml; nothing here is Canopy-specific
# beyond the jar's path. Build context: the repository root.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -DskipTests -pl coordinator-node -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --home /var/lib/canopy canopy && mkdir -p /var/lib/canopy && chown canopy /var/lib/canopy
COPY --from=build /src/coordinator-node/target/canopy-node.jar /opt/canopy/canopy-node.jar
USER canopy
WORKDIR /var/lib/canopy
# 2181: ZooKeeper clients; 9181: Raft peers; 8080: HTTP (health, metrics; REST and console later)
EXPOSE 2181 9181 9182 8080
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/canopy/canopy-node.jar", \
            "--canopy.data-dir=/var/lib/canopy/data"]
