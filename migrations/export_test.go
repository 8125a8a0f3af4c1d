package migrations

import "time"

// ApplyList exposes apply to the external tests, which need a migration list with a failing entry.
var ApplyList = apply

// Load exposes load to the external tests.
var Load = load

// CheckReader exposes checkReader, with the role to look for, to the external tests.
var CheckReader = checkReader

// SetLockTimeout replaces the migrations' lock timeout for a test and restores it at cleanup.
func SetLockTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	old := lockTimeout
	lockTimeout = d
	t.Cleanup(func() { lockTimeout = old })
}
