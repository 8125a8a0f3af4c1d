package config

import (
	"fmt"
	"os"

	"github.com/mattn/go-isatty"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Logger builds the process logger from LogFormat and LogLevel, writing to stderr.
func (c *Config) Logger() (*zap.Logger, error) {
	return NewLogger(os.Stderr, c.LogFormat, c.LogLevel)
}

// NewLogger returns a logger writing to w. Format "json" writes one JSON object per line (for
// log collectors), "console" a human-readable line, and "auto" chooses console when w is a
// terminal and JSON otherwise. Level is a zap level name.
//
// The logger has no way to know what is secret: log configuration with zap.Object("config", cfg)
// (Config redacts its URLs) and URLs with redact.URL, never raw.
func NewLogger(w *os.File, format, level string) (*zap.Logger, error) {
	return NewLoggerTo(w, IsTerminal(w), format, level)
}

// NewLoggerTo is NewLogger on any writer; terminal tells whether it ends on a terminal (for
// "auto" and colours). The progress bar of `indexer run` wraps stderr this way.
func NewLoggerTo(w zapcore.WriteSyncer, terminal bool, format, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	if format == "auto" {
		format = "json"
		if terminal {
			format = "console"
		}
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	encCfg.EncodeDuration = zapcore.StringDurationEncoder
	var enc zapcore.Encoder
	switch format {
	case "json":
		enc = zapcore.NewJSONEncoder(encCfg)
	case "console":
		encCfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		if terminal {
			encCfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		enc = zapcore.NewConsoleEncoder(encCfg)
	default:
		return nil, fmt.Errorf("build logger: unknown format %q", format)
	}
	sink := zapcore.Lock(w)
	return zap.New(zapcore.NewCore(enc, sink, lvl), zap.ErrorOutput(sink)), nil
}

// IsTerminal reports whether f is a terminal (not merely a character device: /dev/null is one,
// and a confirmation prompt must not read it as a terminal).
func IsTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
