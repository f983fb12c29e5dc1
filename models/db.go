package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/orgsso/orgsso/migrations"
)

// Dialects orgsso runs on.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DB is an open database: Write takes every write and transaction, Read
// serves plain reads. On SQLite, Write is a single connection whose
// transactions begin IMMEDIATE, so concurrent writers queue on the busy
// timeout instead of failing with SQLITE_BUSY when a read-then-write
// transaction tries to upgrade its lock; Read is a separate pool that WAL
// lets run beside the writer. On PostgreSQL both are the same pool.
type DB struct {
	Write   *gorm.DB
	Read    *gorm.DB
	Dialect string
	closers []*sql.DB
}

// Open connects to databaseURL: a postgres:// URL means PostgreSQL; a plain
// file path or sqlite:// URL means SQLite (the file's folder is created).
func Open(databaseURL string) (*DB, error) {
	cfg := &gorm.Config{
		Logger:         logger.Discard,
		TranslateError: true,
		PrepareStmt:    true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		g, err := gorm.Open(postgres.Open(databaseURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{Write: g, Read: g, Dialect: DialectPostgres, closers: []*sql.DB{sqlDB}}, nil
	}
	path := strings.TrimPrefix(databaseURL, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "NORMAL")
	params.Set("_busy_timeout", "10000")
	params.Set("_foreign_keys", "1")
	writeParams := url.Values{}
	for k, v := range params {
		writeParams[k] = v
	}
	writeParams.Set("_txlock", "immediate")
	w, err := gorm.Open(sqlite.Open("file:"+path+"?"+writeParams.Encode()), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wSQL, err := w.DB()
	if err != nil {
		return nil, err
	}
	wSQL.SetMaxOpenConns(1)
	wSQL.SetConnMaxLifetime(0)
	r, err := gorm.Open(sqlite.Open("file:"+path+"?"+params.Encode()), cfg)
	if err != nil {
		_ = wSQL.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rSQL, err := r.DB()
	if err != nil {
		_ = wSQL.Close()
		return nil, err
	}
	rSQL.SetMaxOpenConns(8)
	return &DB{Write: w, Read: r, Dialect: DialectSQLite, closers: []*sql.DB{wSQL, rSQL}}, nil
}

// Close closes every pool.
func (d *DB) Close() error {
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (d *DB) migrator() (*goose.Provider, error) {
	sqlDB, err := d.Write.DB()
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	if d.Dialect == DialectPostgres {
		// Several instances may start at once on one database: one migrates,
		// the others wait for it.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return migrations.Provider(d.Dialect, sqlDB, opts...)
}

// Migrate applies every pending migration.
func (d *DB) Migrate(ctx context.Context) error {
	p, err := d.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// HasPending reports whether a migration is not yet applied.
func (d *DB) HasPending(ctx context.Context) (bool, error) {
	p, err := d.migrator()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.Read.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
