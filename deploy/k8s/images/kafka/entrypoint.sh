#!/bin/sh
# One combined broker+controller (KRaft), the settings of the local stack
# (devtools/stack/kafka.py). KAFKA_ADVERTISED_HOST is the Service name
# clients use; KAFKA_CLUSTER_ID is fixed per install; data in /var/lib/kafka.
# KAFKA_EXTERNAL_ADVERTISED (optional, host:port): a second listener on 9094
# for clients outside the cluster (the local cluster's NodePort).
set -eu
data=/var/lib/kafka/data
props=/tmp/server.properties
listeners="PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093"
advertised="PLAINTEXT://${KAFKA_ADVERTISED_HOST}:9092"
protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
if [ -n "${KAFKA_EXTERNAL_ADVERTISED:-}" ]; then
    listeners="$listeners,EXTERNAL://0.0.0.0:9094"
    advertised="$advertised,EXTERNAL://${KAFKA_EXTERNAL_ADVERTISED}"
    protocols="$protocols,EXTERNAL:PLAINTEXT"
fi
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=${listeners}
advertised.listeners=${advertised}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=${protocols}
log.dirs=${data}
auto.create.topics.enable=true
num.partitions=${KAFKA_PARTITIONS:-3}
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
java_opts="-Xms256m -Xmx512m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"
java_opts="$java_opts -Dkafka.logs.dir=/tmp/kafka-logs -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties"
if [ ! -f "$data/meta.properties" ]; then
    # shellcheck disable=SC2086
    java $java_opts -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format \
        -t "$KAFKA_CLUSTER_ID" -c "$props" --ignore-formatted
fi
# shellcheck disable=SC2086
exec java $java_opts -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
