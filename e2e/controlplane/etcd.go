package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

type etcdServer struct {
	server    *embed.Etcd
	clientURL string
}

// startEtcd runs etcd in this process on two free loopback ports; its data survives a restart of the
// control plane on the same data folder.
func startEtcd(dir string) (*etcdServer, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.LogLevel = "error"
	clientURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", clientPort))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", peerPort))
	setEtcdURLs(cfg, *clientURL, *peerURL)
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd in %s did not become ready within 60s", dir)
	}
	return &etcdServer{server: e, clientURL: clientURL.String()}, nil
}

// compact drops every revision but the newest, so that a watch resumed from an older resourceVersion gets
// 410 Gone, as it does on a long-running cluster.
func (e *etcdServer) compact(ctx context.Context) (int64, error) {
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{e.clientURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		return 0, err
	}
	defer client.Close()
	resp, err := client.Get(ctx, "compact-probe")
	if err != nil {
		return 0, err
	}
	revision := resp.Header.Revision
	if _, err := client.Compact(ctx, revision, clientv3.WithCompactPhysical()); err != nil {
		return 0, err
	}
	return revision, nil
}

func (e *etcdServer) close() { e.server.Close() }
