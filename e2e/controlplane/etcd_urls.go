package main

import (
	"net/url"

	"go.etcd.io/etcd/server/v3/embed"
)

func setEtcdURLs(cfg *embed.Config, client, peer url.URL) {
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
}
