package traffic

// plain mode: the traffic of an ordinary web service, no GenAI content at all. Each trace is one HTTP server span
// with a database span and a cache span under it (3 spans, like the captures' average), with current semantic
// convention attributes and values that vary per trace. It shows what the processors cost on spans they have
// nothing to do for, which is most of a real collector's traffic.

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var plainServices = []string{"checkout-api", "orders-api", "catalog-api", "accounts-api"}

type plainRoute struct {
	method, route, pathFmt, table, query string
}

// The query texts are what ORMs really emit (every column spelled out); with the request headers below they bring
// the average span to about the genai captures' size, so the two modes' per-span costs compare like for like.
var plainRoutes = []plainRoute{
	{"GET", "/api/v1/orders/{id}", "/api/v1/orders/", "orders",
		"SELECT orders.id, orders.customer_id, orders.status, orders.currency, orders.subtotal_cents, " +
			"orders.tax_cents, orders.shipping_cents, orders.discount_cents, orders.total_cents, " +
			"orders.shipping_address_id, orders.billing_address_id, orders.payment_intent_id, orders.coupon_code, " +
			"orders.notes, orders.created_at, orders.updated_at, order_items.id AS item_id, order_items.sku, " +
			"order_items.quantity, order_items.unit_price_cents FROM orders LEFT OUTER JOIN order_items ON " +
			"order_items.order_id = orders.id WHERE orders.id = $1 AND orders.deleted_at IS NULL ORDER BY " +
			"order_items.id ASC LIMIT $2"},
	{"POST", "/api/v1/carts/{id}/items", "/api/v1/carts/", "cart_items",
		"INSERT INTO cart_items (cart_id, sku, quantity, unit_price_cents, currency, gift_wrap, gift_message, " +
			"added_by_customer_id, source_channel, campaign_id, added_at, updated_at) VALUES ($1, $2, $3, $4, $5, " +
			"$6, $7, $8, $9, $10, now(), now()) ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = " +
			"cart_items.quantity + EXCLUDED.quantity, unit_price_cents = EXCLUDED.unit_price_cents, updated_at = " +
			"now() RETURNING cart_items.id, cart_items.cart_id, cart_items.sku, cart_items.quantity, " +
			"cart_items.unit_price_cents, cart_items.currency, cart_items.added_at, cart_items.updated_at"},
	{"GET", "/api/v1/products/{id}", "/api/v1/products/", "products",
		"SELECT products.id, products.sku, products.title, products.slug, products.description, " +
			"products.price_cents, products.compare_at_price_cents, products.currency, products.stock, " +
			"products.weight_grams, products.brand_id, products.is_active, products.created_at, " +
			"products.updated_at, categories.id AS category_id, categories.name AS category_name, " +
			"categories.slug AS category_slug, brands.name AS brand_name FROM products INNER JOIN categories ON " +
			"categories.id = products.category_id LEFT OUTER JOIN brands ON brands.id = products.brand_id WHERE " +
			"products.id = $1 AND products.is_active = true LIMIT 1"},
	{"PUT", "/api/v1/accounts/{id}/address", "/api/v1/accounts/", "addresses",
		"UPDATE addresses SET first_name = $2, last_name = $3, company = $4, line1 = $5, line2 = $6, city = $7, " +
			"region = $8, postal_code = $9, country_code = $10, phone = $11, is_default_shipping = $12, " +
			"is_default_billing = $13, validated_at = $14, validation_provider = $15, updated_at = now() WHERE " +
			"addresses.account_id = $1 AND addresses.id = $16 AND addresses.deleted_at IS NULL RETURNING " +
			"addresses.id, addresses.account_id, addresses.line1, addresses.city, addresses.postal_code, " +
			"addresses.country_code, addresses.is_default_shipping, addresses.is_default_billing, addresses.updated_at"},
}

type Plain struct {
	rng       *rand.Rand
	instances []string
}

func NewPlain(seed uint64) *Plain {
	g := &Plain{rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995))}
	for range plainServices {
		g.instances = append(g.instances, strconv.FormatUint(g.rng.Uint64(), 16))
	}
	return g
}

// build returns a request of target spans (whole traces), grouped by service (resource) and library (scope).
func (g *Plain) Build(target int) (td ptrace.Traces, spans, traces int) {
	td = ptrace.NewTraces()
	bySvc := make([]*plainScopes, len(plainServices))
	now := time.Now().UnixNano()
	for spans < target {
		si := g.rng.IntN(len(plainServices))
		if bySvc[si] == nil {
			bySvc[si] = g.newResource(td, si)
		}
		sc := bySvc[si]
		r := plainRoutes[g.rng.IntN(len(plainRoutes))]
		id := strconv.Itoa(10000 + g.rng.IntN(90000))
		traceID := g.traceID()
		status := 200
		if g.rng.IntN(50) == 0 {
			status = 503
		}
		start := now - int64(50+g.rng.IntN(200))*int64(time.Millisecond)

		srv := sc.http.AppendEmpty()
		srv.SetTraceID(traceID)
		srv.SetSpanID(g.spanID())
		srv.SetName(r.method + " " + r.route)
		srv.SetKind(ptrace.SpanKindServer)
		srv.SetStartTimestamp(pcommon.Timestamp(start))
		srv.SetEndTimestamp(pcommon.Timestamp(start + 30*int64(time.Millisecond)))
		a := srv.Attributes()
		a.PutStr("http.request.method", r.method)
		a.PutStr("http.route", r.route)
		a.PutStr("url.full", "https://shop.example.com"+r.pathFmt+id+"?expand=items&locale=en-US")
		a.PutStr("url.scheme", "https")
		a.PutStr("url.path", r.pathFmt+id)
		a.PutInt("http.response.status_code", int64(status))
		a.PutStr("server.address", "shop.example.com")
		a.PutInt("server.port", 443)
		a.PutStr("client.address", "10.4."+strconv.Itoa(g.rng.IntN(256))+"."+strconv.Itoa(g.rng.IntN(256)))
		a.PutStr("network.protocol.version", "1.1")
		a.PutStr("user_agent.original", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "+
			"(KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36")
		a.PutStr("http.request.header.accept", "application/json, text/plain, */*")
		a.PutStr("http.request.header.accept-language", "en-US,en;q=0.9,de;q=0.8")
		a.PutStr("http.request.header.x-request-id", g.requestID())
		a.PutStr("http.request.header.x-forwarded-for", "203.0.113."+strconv.Itoa(g.rng.IntN(256))+", 10.0.0.7")
		a.PutStr("http.request.header.content-type", "application/json; charset=utf-8")
		a.PutInt("http.request.body.size", int64(g.rng.IntN(2048)))
		a.PutInt("http.response.body.size", int64(512+g.rng.IntN(8192)))
		a.PutStr("http.request.header.referer", "https://shop.example.com/checkout/cart?step=2&utm_source=newsletter"+
			"&utm_medium=email&utm_campaign=summer-sale")
		a.PutStr("http.request.header.sec-ch-ua", `"Chromium";v="126", "Google Chrome";v="126", "Not-A.Brand";v="8"`)
		a.PutStr("http.request.header.sec-ch-ua-platform", `"macOS"`)
		a.PutStr("enduser.id", "cust_"+strconv.Itoa(100000+g.rng.IntN(900000)))
		if status >= 500 {
			srv.Status().SetCode(ptrace.StatusCodeError)
			a.PutStr("error.type", strconv.Itoa(status))
		}

		db := sc.db.AppendEmpty()
		g.child(db, srv, start+2*int64(time.Millisecond), 9*int64(time.Millisecond))
		db.SetName(r.method2op() + " " + r.table)
		a = db.Attributes()
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("db.namespace", "shop")
		a.PutStr("db.collection.name", r.table)
		a.PutStr("db.operation.name", r.method2op())
		a.PutStr("db.query.text", r.query)
		a.PutStr("server.address", "pg-primary.shop.internal")
		a.PutInt("server.port", 5432)
		a.PutStr("network.peer.address", "10.8.0.12")
		a.PutInt("network.peer.port", 5432)
		a.PutStr("db.query.summary", r.method2op()+" "+r.table)
		a.PutInt("db.response.returned_rows", int64(1+g.rng.IntN(20)))
		a.PutStr("db.query.parameter.0", id)
		a.PutStr("db.query.parameter.1", "cust_"+strconv.Itoa(100000+g.rng.IntN(900000)))
		a.PutStr("db.query.parameter.2", "EUR")
		a.PutStr("code.function.name", "github.com/example/shop/internal/store.(*Postgres)."+r.table)

		cache := sc.cache.AppendEmpty()
		g.child(cache, srv, start+13*int64(time.Millisecond), 1*int64(time.Millisecond))
		cache.SetName("MGET")
		a = cache.Attributes()
		a.PutStr("db.system.name", "redis")
		a.PutStr("db.operation.name", "MGET")
		a.PutStr("db.query.text", "MGET "+r.table+":"+id+":summary "+r.table+":"+id+":etag "+r.table+":"+id+
			":owner ratelimit:"+id+":minute flags:checkout:v2")
		a.PutStr("code.function.name", "github.com/example/shop/internal/cache.(*Redis).Summary")
		a.PutStr("db.namespace", "0")
		a.PutStr("server.address", "redis-cache.shop.internal")
		a.PutInt("server.port", 6379)
		a.PutStr("network.peer.address", "10.8.1.31")
		a.PutInt("network.peer.port", 6379)

		spans += 3
		traces++
	}
	return td, spans, traces
}

func (r plainRoute) method2op() string {
	switch r.method {
	case "POST":
		return "INSERT"
	case "PUT":
		return "UPDATE"
	}
	return "SELECT"
}

// plainScopes are one service's span lists, one per instrumentation library.
type plainScopes struct{ http, db, cache ptrace.SpanSlice }

func (g *Plain) newResource(td ptrace.Traces, svc int) *plainScopes {
	rs := td.ResourceSpans().AppendEmpty()
	a := rs.Resource().Attributes()
	a.PutStr("service.name", plainServices[svc])
	a.PutStr("service.version", "2.14.3")
	a.PutStr("service.instance.id", g.instances[svc])
	a.PutStr("deployment.environment.name", "production")
	a.PutStr("host.name", "ip-10-4-12-"+strconv.Itoa(svc+20)+".ec2.internal")
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.language", "go")
	a.PutStr("telemetry.sdk.version", "1.38.0")
	scope := func(name, version string) ptrace.SpanSlice {
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(name)
		ss.Scope().SetVersion(version)
		return ss.Spans()
	}
	return &plainScopes{
		http:  scope("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.63.0"),
		db:    scope("github.com/exaring/otelpgx", "0.9.3"),
		cache: scope("github.com/redis/go-redis/extra/redisotel/v9", "9.12.1"),
	}
}

func (g *Plain) child(s, parent ptrace.Span, start, dur int64) {
	s.SetTraceID(parent.TraceID())
	s.SetSpanID(g.spanID())
	s.SetParentSpanID(parent.SpanID())
	s.SetKind(ptrace.SpanKindClient)
	s.SetStartTimestamp(pcommon.Timestamp(start))
	s.SetEndTimestamp(pcommon.Timestamp(start + dur))
}

func (g *Plain) requestID() string {
	var b [16]byte
	putUint64(b[:8], g.rng.Uint64())
	putUint64(b[8:], g.rng.Uint64())
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *Plain) traceID() pcommon.TraceID {
	var id pcommon.TraceID
	putUint64(id[:8], g.rng.Uint64())
	putUint64(id[8:], g.rng.Uint64()|1)
	return id
}

func (g *Plain) spanID() pcommon.SpanID {
	var id pcommon.SpanID
	putUint64(id[:], g.rng.Uint64()|1)
	return id
}
