package decisionlog

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// KeyField is the field whose value keys each record: the decision id, so
// that records spread evenly over the topic's partitions and a record is
// found by the id the client got in x-topicgate-decision-id.
const KeyField = "decision_id"

// Core returns a zap core that hands every line written through it to the
// sink, encoded as JSON exactly as topicgate's JSON log writes it. Tee it
// with the decision logger's own core:
//
//	log.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
//		return zapcore.NewTee(c, sink.Core())
//	}))
func (s *Sink) Core() zapcore.Core {
	return &core{sink: s, enc: zapcore.NewJSONEncoder(EncoderConfig())}
}

// EncoderConfig is the JSON encoding of topicgate's log lines (pkg/cli):
// zap's production keys, ISO 8601 times in "ts", durations as text.
func EncoderConfig() zapcore.EncoderConfig {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "ts"
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	return cfg
}

type core struct {
	sink *Sink
	enc  zapcore.Encoder
	key  []byte // the key from With fields, if any
}

func (c *core) Enabled(l zapcore.Level) bool { return l >= zapcore.InfoLevel }

func (c *core) With(fields []zapcore.Field) zapcore.Core {
	clone := &core{sink: c.sink, enc: c.enc.Clone(), key: c.key}
	for i := range fields {
		fields[i].AddTo(clone.enc)
		if k := key(fields[i]); k != nil {
			clone.key = k
		}
	}
	return clone
}

func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

// Write encodes the line and offers it to the sink, which never waits.
func (c *core) Write(e zapcore.Entry, fields []zapcore.Field) error {
	buf, err := c.enc.EncodeEntry(e, fields)
	if err != nil {
		return err
	}
	b := buf.Bytes()
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	value := append([]byte(nil), b...)
	buf.Free()
	k := c.key
	for i := range fields {
		if fk := key(fields[i]); fk != nil {
			k = fk
		}
	}
	c.sink.Offer(k, value)
	return nil
}

func (c *core) Sync() error { return nil }

// key is the record key a field gives, nil for other fields.
func key(f zapcore.Field) []byte {
	if f.Key == KeyField && f.Type == zapcore.StringType && f.String != "" {
		return []byte(f.String)
	}
	return nil
}
