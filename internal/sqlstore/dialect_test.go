package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, postgres string
	}{
		{"none", `SELECT 1`, `SELECT 1`},
		{"one", `SELECT a FROM t WHERE b = ?`, `SELECT a FROM t WHERE b = $1`},
		{"many", `INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?)`,
			`INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6)`},
		{"ten and more", `?,?,?,?,?,?,?,?,?,?,?`, `$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11`},
		{"string literal", `SELECT '?', a FROM t WHERE b = ?`, `SELECT '?', a FROM t WHERE b = $1`},
		{"escaped quote", `SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = $1`},
		{"identifier", `SELECT "a?" FROM t WHERE b = ?`, `SELECT "a?" FROM t WHERE b = $1`},
		{"comment", "SELECT a -- why?\nFROM t WHERE b = ?", "SELECT a -- why?\nFROM t WHERE b = $1"},
		{"unterminated", `SELECT ? 'abc?`, `SELECT $1 'abc?`},
		{"utf8", `SELECT '浙江?' WHERE name = ?`, `SELECT '浙江?' WHERE name = $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := postgresDialect.rebind(tt.in); got != tt.postgres {
				t.Errorf("postgres rebind(%q) = %q, want %q", tt.in, got, tt.postgres)
			}
			if got := sqliteDialect.rebind(tt.in); got != tt.in {
				t.Errorf("sqlite rebind(%q) = %q, want it unchanged", tt.in, got)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "", 1: "?", 3: "?, ?, ?"} {
		if got := placeholders(n); got != want {
			t.Errorf("placeholders(%d) = %q, want %q", n, got, want)
		}
	}
}
