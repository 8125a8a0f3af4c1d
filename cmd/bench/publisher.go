package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/erc8004-indexer/erc8004-indexer/internal/feed"
	"github.com/erc8004-indexer/erc8004-indexer/internal/publish"
)

// startPublisher runs a publisher for chainID against Valkey under a fresh key prefix, as indexer
// run does, and returns its hook and a stop function that ends it and deletes its keys.
func startPublisher(ctx context.Context, url string, chainID uint64, pool *pgxpool.Pool, log *zap.Logger) (func(), func(feed.Update), error) {
	opts, err := publish.ParseURL(url)
	if err != nil {
		return nil, nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "bench:" + hex.EncodeToString(b[:]) + ":"
	pub := publish.New(pool, opts, log.Named("publish"), publish.Options{ChainID: chainID, Prefix: prefix})
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(pctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil && pctx.Err() == nil {
			log.Warn("publisher stopped", zap.Error(err))
		}
		clearPrefix(opts, prefix)
	}
	return stop, pub.Notify, nil
}

// clearPrefix deletes the keys the benchmark's publisher wrote.
func clearPrefix(opts *redis.Options, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := redis.NewClient(opts)
	defer c.Close()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			c.Unlink(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		c.Unlink(ctx, keys...)
	}
	if err := iter.Err(); err != nil {
		fmt.Printf("bench: clear valkey prefix %s: %v\n", prefix, err)
	}
}
