// etcd for the local cluster: the upstream etcd server's own entry point
// (go.etcd.io/etcd/server/v3/etcdmain), at the version Kubernetes v1.34 pins.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
