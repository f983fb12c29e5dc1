package app_test

import (
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app"
)

func TestConfigMetricsAddr(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string // MetricsAddr
		wantErr string
	}{
		{name: "loopback by default", want: "127.0.0.1:9090"},
		{name: "blank is the default", env: map[string]string{"ORGSSO_METRICS_ADDR": "  "}, want: "127.0.0.1:9090"},
		{name: "off", env: map[string]string{"ORGSSO_METRICS_ADDR": "off"}, want: ""},
		{name: "OFF", env: map[string]string{"ORGSSO_METRICS_ADDR": "OFF"}, want: ""},
		{name: "all interfaces", env: map[string]string{"ORGSSO_METRICS_ADDR": ":9100"}, want: ":9100"},
		{name: "IPv6 loopback", env: map[string]string{"ORGSSO_METRICS_ADDR": "[::1]:9090"}, want: "[::1]:9090"},
		{name: "no port", env: map[string]string{"ORGSSO_METRICS_ADDR": "127.0.0.1"}, wantErr: "ORGSSO_METRICS_ADDR"},
		{name: "port 0", env: map[string]string{"ORGSSO_METRICS_ADDR": "127.0.0.1:0"}, wantErr: "ORGSSO_METRICS_ADDR"},
		{name: "port out of range", env: map[string]string{"ORGSSO_METRICS_ADDR": "127.0.0.1:70000"}, wantErr: "ORGSSO_METRICS_ADDR"},
		{name: "named port", env: map[string]string{"ORGSSO_METRICS_ADDR": "localhost:http"}, wantErr: "ORGSSO_METRICS_ADDR"},
		{name: "the public address", env: map[string]string{"ORGSSO_ADDR": ":8080", "ORGSSO_METRICS_ADDR": ":8080"},
			wantErr: "must differ from ORGSSO_ADDR"},
		{name: "token with a space", env: map[string]string{"ORGSSO_METRICS_TOKEN": "two words"}, wantErr: "ORGSSO_METRICS_TOKEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"ORGSSO_DATA_DIR": t.TempDir()}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsAddr != tc.want {
				t.Fatalf("MetricsAddr = %q, want %q", cfg.MetricsAddr, tc.want)
			}
		})
	}
}
