package container

import (
	"strings"
	"testing"
)

func TestOpenFilesLimit(t *testing.T) {
	const head = "Limit                     Soft Limit           Hard Limit           Units     \n"
	for _, tt := range []struct {
		name, limits, wantErr string
	}{
		{"both at the limit", head + "Max open files            4096                 4096                 files     \n", ""},
		{"soft only", head + "Max open files            4096                 1048576              files     \n", "want 4096 and 4096"},
		{"unlimited", head + "Max open files            unlimited            unlimited            files     \n", "want 4096 and 4096"},
		{"no line", head + "Max processes             63704                63704                processes \n", "no Max open files line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := openFilesLimit([]byte(tt.limits), nil, 4096)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("openFilesLimit() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestPidsCgroup(t *testing.T) {
	const (
		hybridMounts = "30 24 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n" +
			"38 24 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n" +
			"39 24 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		v2Mounts = "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n"
		// A cgroup namespace whose root is /kube/pod1: paths below it.
		nestedMounts = "40 24 0:36 /kube/pod1 /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	)
	for _, tt := range []struct {
		name, cgroups, mounts, want string
	}{
		{"v1 pids beside v2", "8:pids:/c1\n4:memory:/x/c1\n0::/c1\n", hybridMounts, "/sys/fs/cgroup/pids/c1"},
		{"v2 only", "0::/system.slice/c1\n", v2Mounts, "/sys/fs/cgroup/system.slice/c1"},
		{"v1 mount of a subtree", "5:pids:/kube/pod1/c1\n", nestedMounts, "/sys/fs/cgroup/pids/c1"},
		{"no pids controller", "4:memory:/c1\n", hybridMounts, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pidsCgroup([]byte(tt.cgroups), []byte(tt.mounts))
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Errorf("pidsCgroup() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMountedWith(t *testing.T) {
	const tmp = "620 612 0:88 / /tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=65536k,mode=1777\n"
	for _, tt := range []struct {
		name, mountinfo, point string
		opts                   []string
		wantErr                string
	}{
		{"all there", tmp, "/tmp", []string{"noexec", "nosuid", "nodev"}, ""},
		{"one missing", strings.Replace(tmp, "noexec,", "", 1), "/tmp", []string{"noexec", "nosuid", "nodev"}, "want noexec,nosuid,nodev"},
		{"the last mount counts", tmp + "621 620 0:89 / /tmp rw,relatime - tmpfs tmpfs rw\n", "/tmp", []string{"noexec"}, "/tmp mounted rw,relatime"},
		{"a super option is not a mount option", "620 612 0:88 / /tmp rw - tmpfs tmpfs rw,noexec\n", "/tmp", []string{"noexec"}, "want noexec"},
		{"no such mount", tmp, "/var", []string{"ro"}, "no /var in mountinfo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := mountedWith([]byte(tt.mountinfo), nil, tt.point, tt.opts...)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("mountedWith(%s, %v) = %v, want %q", tt.point, tt.opts, err, tt.wantErr)
			}
		})
	}
}
