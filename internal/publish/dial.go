package publish

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/redact"
)

// ParseURL turns a redis:// or rediss:// (TLS) URL, with an optional user and password and a
// database number path ("/2"), into client options for any Redis 7 or Valkey 7+ server. Errors
// never contain the password.
//
// The options turn off what not every such server supports: CLIENT SETINFO on connect (Redis
// 7.2+ only) and the maintenance-notification handshake (a Redis Cloud feature); and a client
// dials once per attempt, since the publisher has its own retry loop.
func ParseURL(raw string) (*redis.Options, error) {
	o, err := redis.ParseURL(raw)
	if err != nil {
		// A net/url error quotes the whole URL, password included: keep only its cause. The
		// password is masked in what remains in any case.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, errors.New(redact.Text(fmt.Sprintf("parse valkey url %s: %v", redact.URL(raw), err), raw))
	}
	o.DisableIdentity = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	o.DialerRetries = 1
	return o, nil
}

// Dial returns a client for url (see ParseURL). It does not connect: a server that is down at
// start is an outage like any other.
func Dial(url string) (*redis.Client, error) {
	o, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// RedisLogger routes go-redis's internal log lines (dial failures during an outage, mostly) to
// log at debug level: the publisher reports outages itself, once and then rate-limited. Install
// it once per process with redis.SetLogger(publish.RedisLogger(log)).
func RedisLogger(log *zap.Logger) interface {
	Printf(ctx context.Context, format string, v ...any)
} {
	return redisLogger{log: log.Named("go-redis")}
}

type redisLogger struct{ log *zap.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	if ce := l.log.Check(zap.DebugLevel, "go-redis"); ce != nil {
		ce.Write(zap.String("message", fmt.Sprintf(format, v...)))
	}
}
