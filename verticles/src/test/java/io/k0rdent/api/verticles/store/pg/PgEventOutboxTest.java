package io.k0rdent.api.verticles.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.store.AuditQuery;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.EventOutbox.RelayLock;
import io.k0rdent.api.core.store.EventOutboxContract;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.testsupport.PgStoreFixture;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PgEventOutbox} (through {@link PgStore}) against the outbox contract, plus what is PostgreSQL's own. */
class PgEventOutboxTest extends EventOutboxContract {

  @RegisterExtension
  static final PgStoreFixture pg = new PgStoreFixture();

  @Override
  protected Store createStore() {
    return pg.freshStore();
  }

  @Test
  void theLockIsOnePerSchemaAcrossStoresAndGoesWithItsSession() throws Exception {
    PgStore other = PgStore.create(pg.vertx(), pg.db().settings());
    PgTestDatabase elsewhere = PgTestDatabase.create();
    PgStore otherSchema = PgStore.create(pg.vertx(), elsewhere.settings());
    try {
      RelayLock a = await(events.tryLock("a"));
      assertThat(a).isNotNull();
      assertThat(await(other.events().tryLock("b"))).isNull();
      // another schema has its own lock
      RelayLock c = await(otherSchema.events().tryLock("c"));
      assertThat(c).isNotNull();
      await(c.release());
      // the session ends (a crashed relay's connection): the lock is free at once, and its holder learns it
      pg.sql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
          + " AND objid = hashtext(current_schema())::oid AND classid = hashtext('" + PgEventOutbox.LOCK_NAME
          + "')::oid");
      assertThat(await(a.check())).isFalse();
      RelayLock b = await(other.events().tryLock("b"));
      assertThat(b).isNotNull();
      assertThat(await(b.check())).isTrue();
      await(b.release());
      assertThat(await(b.check())).isFalse();
      RelayLock again = await(events.tryLock("a2"));
      assertThat(again).isNotNull();
      await(again.release());
    } finally {
      await(other.close());
      await(otherSchema.close());
      elsewhere.drop();
    }
  }

  @Test
  void theRulesAreTheSchemasEvenPastTheStore() throws Exception {
    await(events.append(event("p1", 1), "/v1/projects/p1"));
    assertThat(pg.count("SELECT count(*) FROM events WHERE published_at IS NULL AND type ="
        + " 'ai.k0rdent.resourcemanager.project.updated' AND subject = '/v1/projects/p1'"
        + " AND payload->>'actorid' = 'alice'")).isEqualTo(1);
    assertThatThrownBy(() -> pg.sql("INSERT INTO events (id, key, type, payload) VALUES"
        + " (gen_random_uuid(), '', 't', '{}')")).satisfies(e -> assertThat(PgStoreFixture.sqlState(e))
        .isEqualTo("23514"));
    assertThatThrownBy(() -> pg.sql("INSERT INTO events (id, key, type, payload) VALUES"
        + " (gen_random_uuid(), 'k', 't', '[]')")).satisfies(e -> assertThat(PgStoreFixture.sqlState(e))
        .isEqualTo("23514"));
    assertThat(pg.count("SELECT count(*) FROM pg_indexes WHERE indexname = 'events_unpublished'"
        + " AND schemaname = current_schema()")).isEqualTo(1);
    // the audit columns: the actor of every append, the organization when one is given
    await(events.append(event("p2", 2), "/v1/projects/p2", "acme"));
    assertThat(pg.count("SELECT count(*) FROM events WHERE actor_id = 'alice' AND organization_id IS NULL"
        + " AND subject = '/v1/projects/p1'")).isEqualTo(1);
    assertThat(pg.count("SELECT count(*) FROM events WHERE actor_id = 'alice' AND organization_id = 'acme'"
        + " AND subject = '/v1/projects/p2'")).isEqualTo(1);
  }

  @Test
  void aPurgeSpanningSeveralBatchesDeletesEveryOldRow() throws Exception {
    int n = 2 * PgEventOutbox.PURGE_BATCH + 7;
    pg.sql("INSERT INTO events (id, key, type, subject, time, payload, published_at)"
        + " SELECT gen_random_uuid(), '/k', 't', '/k', timestamptz '2020-01-01' + g * interval '1 second',"
        + " jsonb_build_object('specversion', '1.0', 'id', gen_random_uuid()::text, 'source', '/s', 'type', 't'),"
        + " CASE WHEN g % 2 = 0 THEN now() END FROM generate_series(1, " + n + ") g");
    await(events.append(event("p1", 1), "/v1/projects/p1"));
    long published = n / 2;
    assertThat(await(events.purge(Instant.parse("2021-01-01T00:00:00Z"), false))).isEqualTo(published);
    assertThat(await(events.purge(Instant.parse("2021-01-01T00:00:00Z"), true))).isEqualTo(n - published);
    assertThat(pg.count("SELECT count(*) FROM events")).isEqualTo(1);
  }

  @Test
  void anUnreachableDatabaseFailsWith503() throws Exception {
    PgStore down = pg.unreachable();
    EventOutbox e = down.events();
    try {
      for (var f : List.of(e.append(event("p1", 1), "/k"), e.pending(5), e.markPublished(List.of(1L)), e.backlog(),
          e.tryLock("x"), e.audit(AuditQuery.of(AuditQuery.Reach.ALL, 5)), e.purge(Instant.now(), true))) {
        awaitApiFailure(f, 503, "UNAVAILABLE");
      }
    } finally {
      await(down.close());
    }
  }
}
