package io.k0rdent.api.verticles.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clustered Vert.x instances (embedded Hazelcast members on 127.0.0.1, as nodes run) sharing one
 * settings store, as nodes share PostgreSQL: a rotation on one is adopted by the other within a second,
 * through the event-bus announcement alone (the periodic reload is set to an hour).
 */
class SigningKeyClusterTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static Vertx member(String cluster, int port) throws Exception {
    Settings.Hazelcast hz = new Settings.Hazelcast(cluster, port,
        "127.0.0.1:" + port + ",127.0.0.1:" + (port + 1), "127.0.0.1");
    return await(Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.config(hz))).buildClustered());
  }

  @Test
  void aRotationOnOneNodeReachesTheOtherWithinASecond() throws Exception {
    int port = io.k0rdent.api.verticles.FreePorts.one();
    String cluster = "keys-" + UUID.randomUUID();
    Vertx one = member(cluster, port);
    Vertx two = member(cluster, port);
    try {
      SettingsStore shared = new InMemoryStore().settings();
      SigningKeyRing a = await(SigningKeyRing.open(shared, Duration.ofSeconds(900)));
      SigningKeyRing b = await(SigningKeyRing.open(shared, Duration.ofSeconds(900)));
      a.attach(one, Duration.ofHours(1));
      b.attach(two, Duration.ofHours(1));
      assertThat(b.keys().current()).isEqualTo(a.keys().current());
      // Consumer registrations spread through the cluster asynchronously; wait until both members see both.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (((HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) one).clusterManager())
          .getNodes().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500);

      long t0 = System.nanoTime();
      SigningKeys rotated = await(a.rotate());
      while (b.version() != rotated.version() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
        Thread.sleep(5);
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(b.keys().current().getKeyID()).isEqualTo(rotated.current().getKeyID());
      assertThat(b.keys().kids()).isEqualTo(rotated.kids());
      assertThat(ms).as("switched after %d ms", ms).isLessThan(1000);
    } finally {
      await(Future.join(one.close(), two.close()));
    }
  }
}
