package migrations

// ApplyList exposes apply to the external tests, which need a migration list with a failing entry.
var ApplyList = apply

// Load exposes load to the external tests.
var Load = load
