package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxPostgresConns is the most connections one process opens to
// PostgreSQL, over all the pools it opens: `shequ serve` opens one, but the
// benchmarks and the test suite open several at once, and a cap per pool
// let them together exceed the server's max_connections (100 by default).
const maxPostgresConns = 40

// pgSlots holds one token per open PostgreSQL connection of the process.
var pgSlots = make(chan struct{}, maxPostgresConns)

// slotConnector opens PostgreSQL connections through pgx once the process
// has a slot free: beyond maxPostgresConns a caller waits (until its
// context ends) for a connection of any pool to close. Each pool still caps
// its own connections at maxPostgresConns (SetMaxOpenConns), so that it
// waits for its own idle connections first.
type slotConnector struct {
	driver.Connector
}

// newSlotConnector parses dsn as pgx does for sql.Open("pgx", dsn).
func newSlotConnector(dsn string) (*slotConnector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return &slotConnector{Connector: stdlib.GetConnector(*cfg)}, nil
}

// Connect takes a slot, then a connection; the slot is given back when
// the connection closes, or at once when it cannot be opened.
func (c *slotConnector) Connect(ctx context.Context) (driver.Conn, error) {
	select {
	case pgSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for one of the process's %d PostgreSQL connections: %w", maxPostgresConns, ctx.Err())
	}
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		<-pgSlots
		return nil, err
	}
	pc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		<-pgSlots
		return nil, fmt.Errorf("pgx returned a %T connection", conn)
	}
	return &slotConn{Conn: pc}, nil
}

// slotConn is a pgx connection holding one of the process's slots. It
// embeds *stdlib.Conn, so database/sql sees every optional interface pgx
// implements (transactions with options, named values, session reset).
type slotConn struct {
	*stdlib.Conn
	release sync.Once
}

// Close closes the connection and gives its slot back, once.
func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.release.Do(func() { <-pgSlots })
	return err
}

// pgxConn returns the pgx connection under a pooled driver connection.
func pgxConn(dc any) (*pgx.Conn, error) {
	switch c := dc.(type) {
	case *slotConn:
		return c.Conn.Conn(), nil
	case *stdlib.Conn:
		return c.Conn(), nil
	}
	return nil, fmt.Errorf("not a pgx connection: %T", dc)
}
