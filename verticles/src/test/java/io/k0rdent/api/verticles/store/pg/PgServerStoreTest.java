package io.k0rdent.api.verticles.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerLogEntry.Severity;
import io.k0rdent.api.core.store.ServerStore;
import io.k0rdent.api.core.store.ServerStore.Lease;
import io.k0rdent.api.core.store.ServerStoreContract;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.testsupport.PgStoreFixture;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PgServerStore} (through {@link PgStore}) against the server store contract, plus what is PostgreSQL's own. */
class PgServerStoreTest extends ServerStoreContract {

  @RegisterExtension
  static final PgStoreFixture pg = new PgStoreFixture();

  @Override
  protected Store createStore() {
    return pg.freshStore();
  }


  @Test
  void anUnreachableDatabaseFailsWith503WithoutDetails() throws Exception {
    PgStore down = pg.unreachable();
    ServerStore s = down.servers();
    Server n = server(HERE, "n1", Clock.now());
    UUID uid = n.uid();
    try {
      for (Future<?> f : List.of(s.create(n), s.get(HERE, "n1"), s.byUid(uid), s.list(HERE, null, 5),
          s.update(n.withStep("x", Clock.now()), true), s.updateFenced(n.withStep("x", Clock.now()), "w", 1),
          s.deleteFenced(uid, "w", 1), s.needingWork(NOW, 5), s.acquire(uid, "w", TTL, NOW),
          s.renew(uid, "w", 1, TTL, NOW), s.release(uid, "w", 1),
          s.appendLog(uid, List.of(entry(NOW, Severity.INFO, "m", null))), s.logs(uid, null, null, 0, 5))) {
        ApiException e = awaitApiFailure(f, 503, "UNAVAILABLE");
        assertThat(e.getMessage()).isEqualTo("the database is unavailable; retry later");
      }
    } finally {
      await(down.close());
    }
  }

  @Test
  void theRulesAreTheSchemasEvenPastTheStore() throws Exception {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "a", null), entry(t, Severity.INFO, "b", null))));
    assertThat(pg.count("SELECT log_seq FROM servers WHERE id = 'n1'")).isEqualTo(2);
    // an unknown state or power request, a BMC setting without an address, a seq taken twice, a project with
    // servers deleted, a log entry without its server
    assertThatThrownBy(() -> pg.sql("UPDATE servers SET state = 'active'"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23514"));
    assertThatThrownBy(() -> pg.sql("UPDATE servers SET power_requested = 'On'"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23514"));
    assertThatThrownBy(() -> pg.sql("UPDATE servers SET bmc_address = NULL"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23514"));
    assertThatThrownBy(() -> pg.sql("INSERT INTO server_logs (server_uid, seq, at, severity, message)"
        + " SELECT uid, 2, now(), 'info', 'again' FROM servers"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23505"));
    assertThatThrownBy(() -> pg.sql("INSERT INTO server_logs (server_uid, seq, at, severity, message)"
        + " VALUES (gen_random_uuid(), 1, now(), 'info', 'orphan')"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23503"));
    assertThatThrownBy(() -> pg.sql("DELETE FROM projects WHERE id = 'train'"))
        .satisfies(e -> assertThat(PgStoreFixture.sqlState(e)).isEqualTo("23503"));
    // the log goes with its server
    pg.sql("DELETE FROM servers WHERE id = 'n1'");
    assertThat(pg.count("SELECT count(*) FROM server_logs")).isZero();
  }

  @Test
  void aBmcWithoutAnAddressIsRefused() {
    Instant t = Clock.now();
    Server s = server(HERE, "n1", t);
    Server noAddress = s.withBmc(new Server.Bmc(null, "v1.x", null, false));
    assertThat(awaitFailure(servers.create(noAddress))).isInstanceOf(IllegalArgumentException.class);
    create(s);
    assertThat(awaitFailure(servers.update(s.withStep("x", t).withBmc(new Server.Bmc(null, null, null, true)),
        true))).isInstanceOf(IllegalArgumentException.class);
    // no BMC at all is stored as such
    Server none = create(server(HERE, "n2", t).withBmc(null));
    assertThat(await(servers.byUid(none.uid())).bmc()).isNull();
  }

  @Test
  void aStaleHolderRacingATakeoverNeverWritesAfterIt() throws Exception {
    // worker-a's lease has expired; its writes race worker-b's acquisitions: whatever the interleaving, once
    // worker-b holds the lease, the stored server is worker-a's last write that came before it
    for (int round = 0; round < 10; round++) {
      Instant t = Clock.now();
      Server v1 = create(server(HERE, "n" + round, t));
      Lease a = await(servers.acquire(v1.uid(), "worker-a", TTL, NOW.minus(TTL)));
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? servers.updateFenced(v1.withStep("by-a", t), "worker-a", a.token()).map(x -> (Object) x)
          : servers.acquire(v1.uid(), "worker-b", TTL, NOW).map(x -> (Object) x));
      Lease b = (Lease) results.get(1).result();
      assertThat(b).isEqualTo(new Lease(v1.uid(), "worker-b", 2, "worker-a"));
      Server stored = await(servers.byUid(v1.uid()));
      if (results.get(0).succeeded()) {
        assertThat(stored.step()).isEqualTo("by-a");
      } else {
        assertThat(((ApiException) results.get(0).cause()).reason()).isEqualTo("LEASE_LOST");
        assertThat(stored).isEqualTo(v1);
      }
      awaitApiFailure(servers.updateFenced(withVersion(stored.withStep("late", t), stored.version() + 1),
          "worker-a", a.token()), 409, "LEASE_LOST");
    }
  }
}
