#!/usr/bin/env bash
# Runs the codec microbenchmarks (JMH) of coordinator-protocol. Extra arguments go to JMH, e.g. -f 1 -wi 2 -i 3.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl coordinator-protocol test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
CP="coordinator-protocol/target/test-classes:coordinator-protocol/target/classes:$(cat coordinator-protocol/target/jmh.classpath)"
exec java -cp "$CP" org.openjdk.jmh.Main 'io.canopy.protocol.bench.*' "$@"
