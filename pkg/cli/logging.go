package cli

import (
	"io"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/decisionlog"
	"github.com/topicgate/topicgate/pkg/server"
)

// newLoggers builds the service logger (sampled, so a flood of identical
// lines cannot swamp the output) and the decision logger (never sampled:
// every decision is an audit record).
func newLoggers(c config.Log, w io.Writer) (server.Loggers, func(), error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return server.Loggers{}, nil, err
	}
	// The same encoding as the decision lines shipped to Kafka.
	encCfg := decisionlog.EncoderConfig()
	var enc zapcore.Encoder
	if c.Format == "console" {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	} else {
		enc = zapcore.NewJSONEncoder(encCfg)
	}
	ws := zapcore.Lock(zapcore.AddSync(w))
	core := zapcore.NewCore(enc, ws, zap.NewAtomicLevelAt(level))
	sampled := zapcore.NewSamplerWithOptions(core, time.Second, 100, 100)
	log := zap.New(sampled, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
	decisions := zap.New(zapcore.NewCore(enc, ws, zap.NewAtomicLevelAt(zapcore.InfoLevel))).Named("decision")
	return server.Loggers{Log: log, Decisions: decisions}, func() { _ = log.Sync() }, nil
}
