package testdb

import (
	"context"
	"github.com/orgsso/orgsso/models"
	"testing"
)

func TestEveryDialectMigratesAndAnswers(t *testing.T) {
	Each(t, func(t *testing.T, db *models.DB) {
		pending, err := db.HasPending(context.Background())
		if err != nil || pending {
			t.Fatalf("pending = %v, %v after Migrate", pending, err)
		}
		var n int64
		if err := db.Read.Raw("SELECT COUNT(*) FROM organizations").Scan(&n).Error; err != nil || n != 0 {
			t.Fatalf("count = %d, %v", n, err)
		}
	})
}
