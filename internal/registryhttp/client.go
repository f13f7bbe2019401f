package registryhttp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// UserAgent is how the pipeline names itself to registries (ahead of
// go-containerregistry's own).
const UserAgent = "devops-info-service-go"

// Config is how to reach registries, as settings reads it
// (publish.Config.Registry for push's; INSECURE_REGISTRY alone for the
// base pull). Every step that talks to a registry (the base pull, push,
// sizecompare, verify) takes a Client made from it.
type Config struct {
	// Insecure names the registries (host:port as in IMAGE) that may be
	// reached over plain HTTP (INSECURE_REGISTRY). Default none: only this
	// machine's may.
	Insecure []string
	// Username and Password (REGISTRY_USERNAME, REGISTRY_PASSWORD; a token
	// works as the password) go to Registry (IMAGE's) and no other.
	Registry, Username, Password string
	// Transport sends the requests. Default a clone of
	// http.DefaultTransport that gives up on a registry that does not
	// answer (see newRule). Tests put a fake here.
	Transport http.RoundTripper
	// Keychain is where credentials come from besides Username and
	// Password. Default authn.DefaultKeychain (~/.docker/config.json,
	// DOCKER_CONFIG, credential helpers).
	Keychain authn.Keychain
	// Backoff is how go-containerregistry retries one request (a blob
	// upload, a manifest, a read). Default DefaultBackoff.
	Backoff remote.Backoff
}

// Client is how a step talks to registries: the transport with the HTTPS
// rule, the scrubbing of credentials and the Retry-After policy; the
// keychain; the user agent; the retry.
type Client struct {
	cfg       Config
	keychain  authn.Keychain
	transport http.RoundTripper // rule under Retry-After
	redactor  *Redactor
	waits     *retryAfter
	sparing   bool
}

// New is the Client that cfg describes.
func New(cfg Config) *Client { return newClient(cfg, newRedactor(cfg.Password), false) }

// SparingPulls is c for reads that count against a pull quota (the sizes
// baseline): a Retry-After longer than SparingWait, or a 429 without
// one, is given up on at once rather than waited out or retried, so that
// the step falls back quickly instead of spending the quota.
func (c *Client) SparingPulls() *Client { return newClient(c.cfg, c.redactor, true) }

func newClient(cfg Config, redactor *Redactor, sparing bool) *Client {
	if cfg.Backoff.Steps == 0 {
		cfg.Backoff = DefaultBackoff
	}
	c := &Client{cfg: cfg, keychain: keychain(cfg), redactor: redactor, sparing: sparing}
	c.waits = &retryAfter{inner: newRule(cfg.Transport, cfg.Insecure, redactor), maxWait: PatientWait, sparing: sparing}
	if sparing {
		c.waits.maxWait = SparingWait
	}
	c.transport = c.waits
	return c
}

// keychain is where cfg's credentials come from: Username and Password
// for Registry only, never handed to another; else cfg.Keychain.
func keychain(cfg Config) authn.Keychain {
	kc := cfg.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	if cfg.Username == "" && cfg.Password == "" {
		return kc
	}
	return authn.NewMultiKeychain(only{registry: cfg.Registry, cfg: authn.AuthConfig{Username: cfg.Username, Password: cfg.Password}}, kc)
}

type only struct {
	registry string
	cfg      authn.AuthConfig
}

func (k only) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() != k.registry {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(k.cfg), nil
}

// Options are go-containerregistry's remote options for a request made
// under ctx: every call to remote takes them.
func (c *Client) Options(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx), remote.WithAuthFromKeychain(c.keychain), remote.WithTransport(c.transport),
		remote.WithUserAgent(UserAgent), remote.WithRetryBackoff(c.cfg.Backoff), remote.WithRetryPredicate(c.retryableUnder(ctx)),
		remote.WithRetryStatusCodes(c.statuses()...), remote.WithJobs(4),
	}
}

// Transport is the client's transport with its retry, for the requests
// that go-containerregistry's remote does not make itself (a push check),
// without credentials.
func (c *Client) Transport() http.RoundTripper { return c.transportUnder(context.Background()) }

func (c *Client) transportUnder(ctx context.Context) http.RoundTripper {
	return transport.NewRetry(transport.NewUserAgent(c.transport, UserAgent), transport.WithRetryBackoff(c.cfg.Backoff),
		transport.WithRetryPredicate(c.retryableUnder(ctx)), transport.WithRetryStatusCodes(c.statuses()...))
}

// Reader is an HTTP client that reads from repo with the client's
// credentials, for the requests go-containerregistry's remote does not
// make itself (a HEAD per blob, a probe of the referrers API).
func (c *Client) Reader(ctx context.Context, repo name.Repository) (*http.Client, error) {
	auth, err := c.keychain.Resolve(repo)
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %w", repo.RegistryStr(), err)
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, c.transportUnder(ctx), []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt}, nil
}

// Keychain is where the client finds credentials.
func (c *Client) Keychain() authn.Keychain { return c.keychain }

// Reference parses ref, marking its registry as one that may be reached
// over plain HTTP when Config.Insecure names it.
func (c *Client) Reference(ref string) (name.Reference, error) {
	return parseReference(ref, c.cfg.Insecure)
}

// Redact is err with every credential the client knows or has sent, in
// any encoding, replaced by "***". Every way out of a step for a
// registry's error goes through it: a registry or a library may echo what
// it was sent.
func (c *Client) Redact(err error) error { return c.redactor.Error(err) }

// RedactString is s with every credential replaced by "***", for what
// goes to a log or a report.
func (c *Client) RedactString(s string) string { return c.redactor.String(s) }

// Refusal says how the last 429 that was given up on came ("no
// Retry-After", "again after waiting the 1s it asked for", …); "" when
// there was none.
func (c *Client) Refusal() string { return c.waits.Refusal() }
