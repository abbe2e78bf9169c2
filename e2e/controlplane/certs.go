package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the files the components and clients read, all under <data-dir>/pki.
type pki struct {
	dir                              string
	caCert, caKey                    string
	servingCert, servingKey          string
	adminCert, adminKey              string
	serviceAccountKey, saPubKey      string
	caPEM, adminCertPEM, adminKeyPEM []byte
}

func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

// ensurePKI creates a cluster CA (CN kubernetes, as kubeadm's), the API server's serving certificate, an admin
// client certificate (CN kubernetes-admin, as in kubeadm's admin.conf; in group system:masters, as kubeadm
// before v1.29 and its super-admin.conf, so no RBAC binding has to be made first) and the service-account key
// pair. Existing files are reused so that a restarted control plane keeps trusting its old clients.
func ensurePKI(dir string, apiIPs []net.IP) (*pki, error) {
	p := &pki{dir: dir}
	p.caCert, p.caKey = p.path("ca.crt"), p.path("ca.key")
	p.servingCert, p.servingKey = p.path("serving.crt"), p.path("serving.key")
	p.adminCert, p.adminKey = p.path("admin.crt"), p.path("admin.key")
	p.serviceAccountKey, p.saPubKey = p.path("sa.key"), p.path("sa.pub")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Stat(p.adminKey); err != nil {
		if err := p.generate(apiIPs); err != nil {
			return nil, fmt.Errorf("generating certificates in %s: %w", dir, err)
		}
	}
	var err error
	if p.caPEM, err = os.ReadFile(p.caCert); err != nil {
		return nil, err
	}
	if p.adminCertPEM, err = os.ReadFile(p.adminCert); err != nil {
		return nil, err
	}
	if p.adminKeyPEM, err = os.ReadFile(p.adminKey); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *pki) generate(apiIPs []net.IP) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kubernetes"},
		NotBefore:             now,
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	if err := writeCert(p.caCert, caDER); err != nil {
		return err
	}
	if err := writeECKey(p.caKey, caKey); err != nil {
		return err
	}
	issue := func(certFile, keyFile string, serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		template := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      subject,
			NotBefore:    now,
			NotAfter:     now.AddDate(10, 0, 0),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
			DNSNames:     dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		if err := writeCert(certFile, der); err != nil {
			return err
		}
		return writeECKey(keyFile, key)
	}
	dnsNames := []string{"localhost", "master1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	if err := issue(p.servingCert, p.servingKey, 2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth, apiIPs, dnsNames); err != nil {
		return err
	}
	if err := issue(p.adminCert, p.adminKey, 3, pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.serviceAccountKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}), 0o600); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	return os.WriteFile(p.saPubKey, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

func writeCert(file string, der []byte) error {
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func writeECKey(file string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}
