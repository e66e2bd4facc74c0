#!/usr/bin/env bash
# Installs Apache Kafka (a KRaft broker) from Maven Central jars into the
# project's cache, once. Prints the install directory (its libs/ holds the
# classpath). Needs java (17+) and mvn.
#   TOPICGATE_CACHE  cache directory (default: <repo>/.cache)
#   KAFKA_VERSION    default 4.1.2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TOPICGATE_CACHE:-$root/.cache}
version=${KAFKA_VERSION:-4.1.2}
dest=$cache/kafka-$version

# One install at a time: go test runs the e2e packages in parallel, and
# both may find the cache empty on a fresh machine.
mkdir -p "$cache"
if command -v flock >/dev/null; then
  exec 9>"$cache/.install-kafka.lock"
  flock 9
fi

if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-kafka: $tool is required" >&2; exit 1; }
done
echo "install-kafka: collecting Apache Kafka $version from Maven Central into $dest" >&2
rm -rf "$dest"
mkdir -p "$dest"
mvn -q -B -f "$here/kafka/pom.xml" -Dkafka.version="$version" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest/libs" >&2
ls "$dest/libs"/kafka_2.13-"$version".jar >/dev/null
touch "$dest/.complete"
echo "$dest"
