package io.k0rdent.api.verticles.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.Awaits;
import io.k0rdent.api.core.store.AuditQuery;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.memory.InMemoryEventOutbox;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The audit log's retention: {@link EventRetention} deletes events older than the retention at start and then every
 * interval, published ones only unless told otherwise; a node deploys it from {@code events.retentionDays} (0: none)
 * and {@code events.purgeIntervalSeconds}, purging unpublished rows too when it runs no relay.
 */
class EventRetentionTest {

  private static CloudEvent event(String subject, Instant time) {
    return CloudEvent.of("/v1/regions/global", "ai.k0rdent.test.thing.created", subject, time,
        new JsonObject().put("id", subject));
  }

  private static List<String> subjects(EventOutbox outbox) {
    return Awaits.await(outbox.audit(AuditQuery.of(AuditQuery.Reach.ALL, AuditQuery.MAX_LIMIT))).entries().stream()
        .map(e -> e.event().subject()).toList();
  }

  private static void eventually(String what, BooleanSupplier done) throws InterruptedException {
    Instant end = Instant.now().plusSeconds(20);
    while (!done.getAsBoolean()) {
      assertThat(Instant.now()).as(what).isBefore(end);
      Thread.sleep(50);
    }
  }

  /** Old published, old unpublished and fresh rows in a new outbox. */
  private static InMemoryEventOutbox seeded() {
    InMemoryEventOutbox outbox = new InMemoryEventOutbox();
    Instant now = Instant.now();
    Awaits.await(outbox.append(event("/old/published", now.minus(Duration.ofDays(3))), "/old/published", "acme"));
    Awaits.await(outbox.markPublished(List.of(1L)));
    Awaits.await(outbox.append(event("/old/pending", now.minus(Duration.ofDays(2))), "/old/pending", "acme"));
    Awaits.await(outbox.append(event("/fresh", now.minus(Duration.ofHours(1))), "/fresh", null));
    return outbox;
  }

  @Test
  void aNodeWithARelayDeletesOnlyOldPublishedEventsAtStart() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      InMemoryEventOutbox outbox = seeded();
      EventRetention r = new EventRetention(outbox, Duration.ofDays(1), Duration.ofHours(1), false);
      Awaits.await(vertx.deployVerticle(r, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      eventually("the purge at start", () -> r.runs() >= 1);
      assertThat(r.purged()).isEqualTo(1);
      assertThat(subjects(outbox)).containsExactly("/fresh", "/old/pending");
      assertThat(Awaits.await(outbox.backlog())).isEqualTo(2);
    } finally {
      Awaits.await(vertx.close());
    }
  }

  @Test
  void withoutARelayOldUnpublishedEventsGoTooAndPurgesRepeat() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      InMemoryEventOutbox outbox = seeded();
      EventRetention r = new EventRetention(outbox, Duration.ofDays(1), Duration.ofMillis(50), true);
      Awaits.await(vertx.deployVerticle(r, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      eventually("the purge at start", () -> r.runs() >= 1);
      assertThat(subjects(outbox)).containsExactly("/fresh");
      // a row that ages past the retention later goes at a later tick
      Awaits.await(outbox.append(event("/late", Instant.now().minus(Duration.ofDays(5))), "/late", "acme"));
      eventually("a later purge", () -> subjects(outbox).equals(List.of("/fresh")));
      assertThat(r.purged()).isEqualTo(3);
      assertThat(r.runs()).isGreaterThan(1);
    } finally {
      Awaits.await(vertx.close());
    }
  }

  @Test
  void retentionAndIntervalMustBePositive() {
    EventOutbox o = new InMemoryEventOutbox();
    assertThatThrownBy(() -> new EventRetention(o, Duration.ZERO, Duration.ofSeconds(1), true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EventRetention(o, Duration.ofDays(1), Duration.ZERO, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aNodePurgesByItsConfigurationAndKeepsEverythingWithRetentionZero() throws Exception {
    Instant now = Instant.now();
    try (TestNode node = TestNode.start(Map.of("events.retentionDays", 1, "events.purgeIntervalSeconds", 1))) {
      EventOutbox outbox = node.node().services().store().events();
      // no relay on this node: unpublished rows past the retention go
      Awaits.await(outbox.append(event("/things/old", now.minus(Duration.ofDays(2))), "/things/old"));
      Awaits.await(outbox.append(event("/things/new", now), "/things/new"));
      eventually("the node's periodic purge", () -> !subjects(outbox).contains("/things/old"));
      assertThat(subjects(outbox)).contains("/things/new");
    }
    try (TestNode node = TestNode.start(Map.of("events.retentionDays", 0, "events.purgeIntervalSeconds", 1))) {
      EventOutbox outbox = node.node().services().store().events();
      Awaits.await(outbox.append(event("/things/ancient", now.minus(Duration.ofDays(3650))), "/things/ancient"));
      Thread.sleep(2_500); // more than two intervals: nothing purges
      assertThat(subjects(outbox)).contains("/things/ancient");
    }
  }
}
