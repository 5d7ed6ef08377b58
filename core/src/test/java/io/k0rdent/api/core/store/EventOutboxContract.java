package io.k0rdent.api.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.EventOutbox.RelayLock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link EventOutbox} adapter must have ({@link Store#events()}): appended events come back
 * unchanged from {@link EventOutbox#pending} oldest first, in batches, until marked published; marking is
 * idempotent; the backlog counts the unpublished rows; ids are unique UUIDs; concurrent appends all land with
 * distinct seqs; the relay lock has one holder at a time. An adapter's test extends this class and supplies a
 * fresh, empty store per test.
 */
public abstract class EventOutboxContract extends StoreSuite {

  /** {@code store.events()}. */
  protected EventOutbox events;

  @BeforeEach
  void setUpOutbox() {
    events = store.events();
  }

  /** A project event with every attribute set, {@code n} in its data. */
  protected static CloudEvent event(String project, int n) {
    return CloudEvent.of("//api.k0rdent.io/regions/global", "ai.k0rdent.resourcemanager.project.updated",
            "/v1/projects/" + project, Instant.parse("2031-05-06T07:08:09.123Z").plusMillis(n),
            new JsonObject().put("id", project).put("n", n).put("labels", new JsonObject().put("a", "b")))
        .withContext("alice", "user", "req-" + n, "192.0.2.7");
  }

  private static List<Long> seqs(List<OutboxRow> rows) {
    return rows.stream().map(OutboxRow::seq).toList();
  }

  @Test
  void appendedEventsComeBackOldestFirstUntilPublished() {
    assertThat(await(events.backlog())).isZero();
    assertThat(await(events.pending(10))).isEmpty();
    List<CloudEvent> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      CloudEvent e = event(i % 2 == 0 ? "p1" : "p2", i);
      appended.add(e);
      await(events.append(e, e.subject()));
    }
    assertThat(await(events.backlog())).isEqualTo(5);
    List<OutboxRow> all = await(events.pending(10));
    assertThat(all).extracting(OutboxRow::event).containsExactlyElementsOf(appended);
    assertThat(all).extracting(OutboxRow::key).containsExactly("/v1/projects/p1", "/v1/projects/p2",
        "/v1/projects/p1", "/v1/projects/p2", "/v1/projects/p1");
    assertThat(seqs(all)).isSorted().doesNotHaveDuplicates().allMatch(s -> s > 0);
    // a batch is the oldest rows
    List<OutboxRow> first = await(events.pending(2));
    assertThat(first).containsExactlyElementsOf(all.subList(0, 2));

    await(events.markPublished(seqs(first)));
    assertThat(await(events.backlog())).isEqualTo(3);
    assertThat(await(events.pending(10))).containsExactlyElementsOf(all.subList(2, 5));
    // idempotent, unknown seqs skipped, any order
    await(events.markPublished(List.of(all.get(4).seq(), all.get(0).seq(), 999_999L)));
    await(events.markPublished(List.of()));
    assertThat(await(events.backlog())).isEqualTo(2);
    assertThat(await(events.pending(10))).containsExactlyElementsOf(all.subList(2, 4));
  }

  @Test
  void theEventRoundTripsWithEveryAttributeAndItsData() {
    CloudEvent e = event("p1", 7);
    await(events.append(e, "/v1/projects/p1"));
    CloudEvent back = await(events.pending(1)).get(0).event();
    assertThat(back).isEqualTo(e);
    assertThat(back.toJson()).isEqualTo(e.toJson());
    CloudEvent bare = new CloudEvent(UUID.randomUUID().toString(), "/s", "t", null, null, null, null, null, null,
        null, null);
    await(events.append(bare, "/k"));
    assertThat(await(events.pending(2)).get(1).event()).isEqualTo(bare);
  }

  @Test
  void idsAreUniqueUuidsAndKeysNonEmpty() {
    CloudEvent e = event("p1", 1);
    await(events.append(e, "/v1/projects/p1"));
    awaitApiFailure(events.append(e, "/v1/projects/p1"), 409, "ALREADY_EXISTS");
    CloudEvent notUuid = new CloudEvent("not-a-uuid", "/s", "t", null, null, null, null, null, null, null, null);
    assertThat(awaitFailure(events.append(notUuid, "/k"))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.append(event("p1", 2), ""))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.pending(0))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.pending(EventOutbox.MAX_BATCH + 1))).isInstanceOf(IllegalArgumentException.class);
    assertThat(await(events.backlog())).isEqualTo(1);
  }

  @Test
  void concurrentAppendsAllLandWithDistinctSeqs() throws Exception {
    List<Future<Void>> done = concurrently(200, 8, i -> events.append(event("p" + (i % 5), i), "/v1/projects/p" + (i % 5)));
    done.forEach(StoreSuite::await);
    List<OutboxRow> rows = await(events.pending(EventOutbox.MAX_BATCH));
    assertThat(rows).hasSize(200);
    assertThat(seqs(rows)).isSorted().doesNotHaveDuplicates();
    Set<Integer> ns = new HashSet<>();
    rows.forEach(r -> ns.add(r.event().data().getInteger("n")));
    assertThat(ns).hasSize(200);
    assertThat(await(events.backlog())).isEqualTo(200);
  }

  @Test
  void theRelayLockHasOneHolderAtATime() {
    RelayLock a = await(events.tryLock("node-a/1"));
    assertThat(a).isNotNull();
    assertThat(a.holder()).isEqualTo("node-a/1");
    assertThat(await(a.check())).isTrue();
    assertThat(await(events.tryLock("node-b/1"))).isNull();
    await(a.release());
    await(a.release());
    assertThat(await(a.check())).isFalse();
    RelayLock b = await(events.tryLock("node-b/1"));
    assertThat(b).isNotNull();
    assertThat(await(b.check())).isTrue();
    assertThat(await(events.tryLock("node-a/1"))).isNull();
    await(b.release());
  }
}
