package main

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults", want: config{host: "0.0.0.0", port: 8000}},
		{name: "all set", env: map[string]string{"HOST": "127.0.0.1", "PORT": "9090", "DEBUG": "true", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"},
			want: config{host: "127.0.0.1", port: 9090, debug: true, trustedProxies: []netip.Prefix{
				netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}}},
		{name: "bracketed ipv6 host", env: map[string]string{"HOST": "[::1]"}, want: config{host: "::1", port: 8000}},
		{name: "port 1", env: map[string]string{"PORT": "1"}, want: config{host: "0.0.0.0", port: 1}},
		{name: "port 65535", env: map[string]string{"PORT": "65535"}, want: config{host: "0.0.0.0", port: 65535}},
		{name: "port word", env: map[string]string{"PORT": "abc"}, wantErr: `PORT must be a number from 1 to 65535, got "abc"`},
		{name: "port zero", env: map[string]string{"PORT": "0"}, wantErr: `PORT must be a number from 1 to 65535, got "0"`},
		{name: "port too big", env: map[string]string{"PORT": "65536"}, wantErr: `PORT must be a number from 1 to 65535, got "65536"`},
		{name: "bad debug", env: map[string]string{"DEBUG": "maybe"}, wantErr: `DEBUG must be true or false, got "maybe"`},
		{name: "bad proxy", env: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,nope"}, wantErr: `TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges, got "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || exitCode(err) != 2 {
					t.Fatalf("loadConfig(%v) error = %v (exit %d), want %q (exit 2)", tt.env, err, exitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig(%v): %v", tt.env, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(config{}), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("loadConfig(%v) mismatch (-want +got):\n%s", tt.env, diff)
			}
		})
	}
}

func TestAddr(t *testing.T) {
	for _, tt := range []struct {
		cfg  config
		want string
	}{
		{config{host: "0.0.0.0", port: 8000}, "0.0.0.0:8000"},
		{config{host: "::", port: 80}, "[::]:80"},
	} {
		if got := tt.cfg.addr(); got != tt.want {
			t.Errorf("%+v.addr() = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}
