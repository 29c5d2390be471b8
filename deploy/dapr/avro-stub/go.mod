// Stand-in for github.com/iskorotkov/avro/v2, whose versions the Go proxy
// reachable from this machine does not serve (403). daprd imports it only to
// tune Avro allocation limits for the Pulsar pub/sub component, which this
// project does not use.
module github.com/iskorotkov/avro/v2

go 1.22
