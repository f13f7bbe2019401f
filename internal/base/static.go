package base

import (
	"archive/tar"
	"encoding/pem"
	"fmt"
	"runtime/debug"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/lehus1/devops-info-service-go/internal/layer"
)

// caModule is where the CA bundle comes from: Mozilla's NSS root store as
// the Go project packages it, pinned by this module's version in go.mod.
const caModule = "golang.org/x/crypto/x509roots/fallback"

// caBundle is the PEM bundle of every NSS root that a PEM file can express.
// Roots that NSS trusts only with a distrust-after date are left out: a
// PEM file cannot carry the date, and trusting them without it would trust
// more than NSS does.
func caBundle() (pemBytes []byte, count int) {
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate})...)
		count++
	}
	return pemBytes, count
}

// caVersion is the pinned version of caModule compiled into this program.
func caVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == caModule {
				return m.Version
			}
		}
	}
	return "unknown"
}

const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\n" +
		"nobody:x:65534:\n" +
		"nonroot:x:65532:\n"
	// nsswitch.conf makes Go's resolver and libc alike consult /etc/hosts first.
	nsswitch = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"
)

// staticFiles are the files of the built-in static base.
func staticFiles() []layer.File {
	ca, _ := caBundle()
	dir := func(name string, mode int64, id int) layer.File {
		return layer.File{Name: name, Type: tar.TypeDir, Mode: mode, UID: id, GID: id}
	}
	reg := func(name string, data string) layer.File {
		return layer.File{Name: name, Type: tar.TypeReg, Mode: 0o644, Data: []byte(data)}
	}
	return []layer.File{
		dir("etc", 0o755, 0),
		reg("etc/passwd", passwd),
		reg("etc/group", group),
		reg("etc/nsswitch.conf", nsswitch),
		dir("etc/ssl", 0o755, 0),
		dir("etc/ssl/certs", 0o755, 0),
		reg("etc/ssl/certs/ca-certificates.crt", string(ca)),
		dir("home", 0o755, 0),
		dir("home/nonroot", 0o700, 65532),
		dir("root", 0o700, 0),
		dir("tmp", 0o1777, 0),
	}
}

// staticLayerTime is the time of every file in the static base: fixed, so
// its layer has one digest across builds and registries store it once.
var staticLayerTime = time.Unix(0, 0).UTC()

// staticLayer is the built-in base's one layer, the same for every
// platform: made and compressed once per build (Base keeps it).
func staticLayer(c layer.Compression) (v1.Layer, error) {
	tb, err := layer.Tar(staticFiles(), staticLayerTime)
	if err != nil {
		return nil, err
	}
	return layer.New(tb, c, layer.MediaType(c, types.OCIManifestSchema1))
}

// staticBase makes the built-in base for the platform from its layer: no
// shell, no package manager, just what a static Go service needs.
func staticBase(p v1.Platform, l v1.Layer) (v1.Image, error) {
	_, certs := caBundle()
	img, err := mutate.Append(ociEmpty(), mutate.Addendum{Layer: l, History: v1.History{
		Created:   v1.Time{Time: staticLayerTime},
		CreatedBy: "devops-info-service-go static base: /etc/passwd, /etc/group (root 0, nonroot 65532, nobody 65534), /etc/nsswitch.conf, /tmp, /home/nonroot",
		Comment:   fmt.Sprintf("CA bundle: %d Mozilla NSS roots from %s@%s", certs, caModule, caVersion()),
	}})
	if err != nil {
		return nil, err
	}
	return forPlatform(img, p, "PATH="+DefaultPath, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
}

// scratchBase is the empty base for the platform.
func scratchBase(p v1.Platform) (v1.Image, error) {
	return forPlatform(ociEmpty(), p)
}

// forPlatform sets a built-in base's platform, creation time and
// environment.
func forPlatform(img v1.Image, p v1.Platform, env ...string) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: staticLayerTime}
	if len(env) > 0 {
		cf.Config.Env = env
	}
	return mutate.ConfigFile(img, cf)
}

func ociEmpty() v1.Image {
	return mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
}

// DefaultPath is the PATH of the built-in bases, and of the image.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
