#!/usr/bin/env bash
# Assemble an Apache Kafka broker (KRaft) from Maven Central artifacts:
# resolves pom.xml and copies the runtime jars into
#   ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}/kafka-<version>/libs
# Skipped when the jars and a stamp with pom.xml's hash are already there.
#
#   deploy/kafka/fetch.sh [--force]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")"
CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
OUT="${CACHE_DIR}/kafka-${KAFKA_VERSION}"
LIBS="${OUT}/libs"
STAMP="${OUT}/.stamp"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

force=0
[[ "${1:-}" == "--force" ]] && force=1

want="kafka=${KAFKA_VERSION} pom=$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
if [[ $force -eq 0 && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] \
    && compgen -G "${LIBS}/kafka_2.13-${KAFKA_VERSION}.jar" >/dev/null; then
    echo "kafka ${KAFKA_VERSION}: up to date in ${OUT}"
    exit 0
fi

command -v mvn >/dev/null || { echo "fetch.sh: mvn is not on PATH" >&2; exit 1; }
echo "fetching kafka ${KAFKA_VERSION} jars from Maven Central -> ${LIBS}"
started=$SECONDS
rm -rf "${LIBS}.tmp" "$STAMP"
mkdir -p "$OUT"

# -B without -q: one "Downloaded from" line per artifact; show a count.
n=0
while IFS= read -r line; do
    case "$line" in
        *"Downloaded from"*)
            n=$((n + 1))
            if (( n % 20 == 0 )); then echo "  ... ${n} artifacts downloaded"; fi ;;
        *"[ERROR]"* | *"BUILD FAILURE"*)
            echo "  $line" ;;
    esac
done < <(mvn -B -f "$HERE/pom.xml" "${DEP_PLUGIN}:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="${LIBS}.tmp" 2>&1; echo "__rc=$?")

if ! compgen -G "${LIBS}.tmp/kafka_2.13-${KAFKA_VERSION}.jar" >/dev/null; then
    echo "fetch.sh: maven did not produce kafka_2.13-${KAFKA_VERSION}.jar" >&2
    exit 1
fi
rm -rf "$LIBS"
mv "${LIBS}.tmp" "$LIBS"
echo "$want" > "$STAMP"
echo "kafka ${KAFKA_VERSION}: $(ls "$LIBS" | wc -l) jars in ${LIBS} (${n} artifacts downloaded, $((SECONDS - started))s)"
