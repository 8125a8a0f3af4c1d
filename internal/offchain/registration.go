package offchain

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// RegistrationType is the "type" of a registration file in the current specification.
const RegistrationType = "https://eips.ethereum.org/EIPS/eip-8004#registration-v1"

// Registration is a parsed agent registration file (SPEC §5.1).
type Registration struct {
	// Status is ok, invalid, unsupported or empty; Errors say why it is not ok, Warnings note what
	// was tolerated (variant spellings, missing SHOULD fields).
	Status   Status
	Errors   []string
	Warnings []string

	Type        string
	Name        string
	Description string
	Image       string
	// Services is the normalised array of service objects (from "services", the Oct-2025
	// "endpoints", or an object keyed by service name), each with at least "name" and "endpoint".
	Services json.RawMessage
	// X402Support, Active are nil when absent.
	X402Support *bool
	Active      *bool
	// SupportedTrust is from "supportedTrust" or the variant "supportedTrusts"; nil when absent.
	SupportedTrust []string
	// Registrations are the (agentRegistry, agentId) pairs the file claims.
	Registrations []RegistrationRef
	// Document is the whole file as stored (NULs replaced); nil unless the file is a JSON object.
	Document json.RawMessage
}

// RegistrationRef is one entry of a registration file's "registrations".
type RegistrationRef struct {
	AgentID       string // decimal; "" when missing or not a number
	AgentRegistry string // "{namespace}:{chainId}:{identityRegistry}"
}

// agentRegistryRe is the CAIP-10-like form of agentRegistry, e.g. "eip155:1:0x8004…".
var agentRegistryRe = regexp.MustCompile(`^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}:0x[0-9a-fA-F]{40}$`)

// decimalRe is a non-negative decimal integer without sign or exponent.
var decimalRe = regexp.MustCompile(`^[0-9]{1,78}$`)

// ParseRegistration parses a registration file. It never fails: what is wrong is in the result's
// Status and Errors. It tolerates the variants seen in the wild ("endpoints" for "services", a
// services object, "supportedTrusts", "x402support", x402Support as {"enabled": bool}), but a
// field of the wrong type is an error, never coerced.
func ParseRegistration(b []byte) Registration {
	var r Registration
	obj, status, err := decodeObject(b)
	if err != nil {
		r.Status, r.Errors = status, []string{err.Error()}
		return r
	}
	r.Document = storable(obj)
	var is issues
	r.Type = is.str(obj, "type")
	r.Name = is.str(obj, "name")
	r.Description = is.str(obj, "description")
	r.Image = is.str(obj, "image")
	known := 0
	for _, k := range []string{"type", "name", "description", "image", "services", "endpoints", "registrations", "supportedTrust", "supportedTrusts", "x402Support", "x402support", "active"} {
		if _, ok := obj[k]; ok {
			known++
		}
	}
	if known == 0 {
		r.Status, r.Errors = StatusUnsupported, []string{"not a registration file: none of its fields is present"}
		return r
	}
	switch {
	case r.Type == "":
		is.warnf("type missing")
	case r.Type != RegistrationType:
		is.warnf("type is not %s", RegistrationType)
	}
	for _, k := range []string{"name", "description", "image"} {
		if _, ok := obj[k]; !ok {
			is.warnf("%s missing", k)
		}
	}
	if k, ok := is.alias(obj, "services", "endpoints"); ok {
		r.Services = parseServices(&is, k, obj[k])
	}
	if k, ok := is.alias(obj, "x402Support", "x402support"); ok {
		r.X402Support = parseX402(&is, k, obj[k])
	}
	r.Active = is.boolean(obj, "active")
	if k, ok := is.alias(obj, "supportedTrust", "supportedTrusts"); ok {
		r.SupportedTrust = is.strings(obj, k)
	}
	r.Registrations = parseRegistrations(&is, obj["registrations"])
	r.Errors, r.Warnings = is.Errors, is.Warnings
	r.Status = StatusOK
	if len(r.Errors) > 0 {
		r.Status = StatusInvalid
	}
	return r
}

// parseX402 reads x402Support: a boolean, or {"enabled": bool} as some writers emit.
func parseX402(is *issues, key string, v any) *bool {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return &x
	case map[string]any:
		if e, ok := x["enabled"].(bool); ok {
			is.warnf("%s given as {\"enabled\": bool}", key)
			return &e
		}
	}
	is.errorf("%s: expected a boolean, got %s", key, jsonType(v))
	return nil
}

// parseServices normalises the services to an array of objects with a string "name" and
// "endpoint", keeping every other field. Entries that are not objects, or lack a name or an
// endpoint, are errors and left out.
func parseServices(is *issues, key string, v any) json.RawMessage {
	var entries []map[string]any
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				is.errorf("%s[%d]: expected an object, got %s", key, i, jsonType(e))
				continue
			}
			entries = append(entries, m)
		}
	case map[string]any:
		// {"web": [{"url": "…"}], "ens": "x.eth"}: the name is the key.
		is.warnf("%s given as an object keyed by service name", key)
		names := make([]string, 0, len(x))
		for n := range x {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			switch e := x[n].(type) {
			case string:
				entries = append(entries, map[string]any{"name": n, "endpoint": e})
			case map[string]any:
				entries = append(entries, withName(e, n))
			case []any:
				for i, ee := range e {
					m, ok := ee.(map[string]any)
					if !ok {
						is.errorf("%s.%s[%d]: expected an object, got %s", key, n, i, jsonType(ee))
						continue
					}
					entries = append(entries, withName(m, n))
				}
			default:
				is.errorf("%s.%s: expected an object, an array or a string, got %s", key, n, jsonType(e))
			}
		}
	default:
		is.errorf("%s: expected an array, got %s", key, jsonType(v))
		return nil
	}
	out := make([]any, 0, len(entries))
	for i, m := range entries {
		name, nameOK := m["name"].(string)
		_, epOK := m["endpoint"].(string)
		if !epOK {
			// "url" is a common spelling of "endpoint" in hand-written files.
			if u, ok := m["url"].(string); ok && m["endpoint"] == nil {
				epOK = true
				m["endpoint"] = u
				is.warnf("%s[%d]: url used for endpoint", key, i)
			}
		}
		switch {
		case !nameOK || strings.TrimSpace(name) == "":
			is.errorf("%s[%d]: name: expected a non-empty string, got %s", key, i, jsonType(m["name"]))
			continue
		case !epOK:
			is.errorf("%s[%d]: endpoint: expected a string, got %s", key, i, jsonType(m["endpoint"]))
			continue
		}
		if v, ok := m["version"]; ok && v != nil {
			if _, ok := v.(string); !ok {
				is.errorf("%s[%d]: version: expected a string, got %s", key, i, jsonType(v))
			}
		}
		out = append(out, m)
	}
	return storable(out)
}

// withName returns a copy of m with "name" set to n unless it has a name already.
func withName(m map[string]any, n string) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	if _, ok := out["name"]; !ok {
		out["name"] = n
	}
	return out
}

// parseRegistrations reads "registrations": objects with a numeric agentId and an agentRegistry
// "{namespace}:{chainId}:{address}". Entries of another shape are warnings: the file is still
// usable as a description of the agent.
func parseRegistrations(is *issues, v any) []RegistrationRef {
	if v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		is.errorf("registrations: expected an array, got %s", jsonType(v))
		return nil
	}
	if len(arr) == 0 {
		is.warnf("registrations empty")
	}
	var out []RegistrationRef
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			is.errorf("registrations[%d]: expected an object, got %s", i, jsonType(e))
			continue
		}
		var ref RegistrationRef
		switch id := m["agentId"].(type) {
		case json.Number:
			if decimalRe.MatchString(id.String()) {
				ref.AgentID = id.String()
			} else {
				is.warnf("registrations[%d]: agentId is not a non-negative integer", i)
			}
		case string:
			if decimalRe.MatchString(id) {
				ref.AgentID = id
				is.warnf("registrations[%d]: agentId given as a string", i)
			} else {
				is.warnf("registrations[%d]: agentId is not a number", i)
			}
		case nil:
			is.warnf("registrations[%d]: agentId missing", i)
		default:
			is.warnf("registrations[%d]: agentId: expected a number, got %s", i, jsonType(id))
		}
		switch reg := m["agentRegistry"].(type) {
		case string:
			ref.AgentRegistry = reg
			if !agentRegistryRe.MatchString(reg) {
				is.warnf("registrations[%d]: agentRegistry is not {namespace}:{chainId}:{address}", i)
			}
		case nil:
			is.warnf("registrations[%d]: agentRegistry missing", i)
		default:
			is.warnf("registrations[%d]: agentRegistry: expected a string, got %s", i, jsonType(reg))
		}
		out = append(out, ref)
	}
	return out
}
