package io.k0rdent.api.verticles.events;

import static io.k0rdent.api.core.store.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.OutboxRow;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.verticles.store.pg.PgStore;
import io.k0rdent.api.verticles.testsupport.EmbeddedKafka;
import io.k0rdent.api.verticles.testsupport.PgStoreFixture;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link OutboxRelay} against a real Kafka broker in this JVM ({@link EmbeddedKafka}, KRaft) and the PostgreSQL
 * outbox: order per key and the CloudEvents record shape, the broker stopped mid-run, a relay crash between publish
 * and mark, two relays on one schema. No mocks. Each test has its own topic and an emptied outbox.
 */
class OutboxRelayTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String[] KEYS = {"/v1/projects/a", "/v1/projects/b", "/v1/projects/c", "/v1/projects/d",
      "/v1/projects/e"};

  private static EmbeddedKafka kafka;
  @RegisterExtension
  static final PgStoreFixture pg = new PgStoreFixture();

  private PgStore store;
  private final List<PgStore> moreStores = new ArrayList<>();
  private final List<String> deployments = new ArrayList<>();
  private String topic;
  private int n;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @BeforeEach
  void freshOutboxAndTopic() {
    store = pg.freshStore();
    topic = "events-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopic(topic, EmbeddedKafka.PARTITIONS);
  }

  @AfterEach
  void undeployAndClose() {
    for (String id : deployments) {
      await(pg.vertx().undeploy(id).otherwiseEmpty());
    }
    for (PgStore s : moreStores) {
      await(s.close());
    }
    await(store.close());
  }

  private RelayOptions options() {
    return RelayOptions.of(kafka.bootstrapServers()).withTopic(topic)
        .withTimings(Duration.ofMillis(50), Duration.ofSeconds(3), Duration.ofMillis(500))
        .withBatchSize(16);
  }

  private OutboxRelay deploy(OutboxRelay relay) {
    deployments.add(await(pg.vertx().deployVerticle(relay,
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))));
    return relay;
  }

  private OutboxRelay relay(EventOutbox outbox, PrometheusMeterRegistry registry, String node) {
    return new OutboxRelay(outbox, options(), registry, node);
  }

  /** Appends {@code count} events round-robin over the keys; answers them in append order. */
  private List<CloudEvent> append(EventOutbox outbox, int count) {
    List<CloudEvent> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = KEYS[n % KEYS.length];
      CloudEvent e = CloudEvent.of("//api.k0rdent.io/regions/global", "ai.k0rdent.resourcemanager.project.updated",
              key, Instant.now(), new JsonObject().put("n", n))
          .withContext("alice", "user", "req-" + n, "192.0.2.7");
      n++;
      await(outbox.append(e, key));
      out.add(e);
    }
    return out;
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT + ": " + what);
      }
      Thread.sleep(20);
    }
  }

  private static long backlogOf(EventOutbox outbox) {
    return await(outbox.backlog());
  }

  /** The event ids per key in the order a consumer first sees them (duplicates dropped). */
  private static Map<String, List<String>> firstSeenPerKey(List<ConsumerRecord<String, String>> records) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    for (ConsumerRecord<String, String> r : records) {
      String id = new JsonObject(r.value()).getString("id");
      if (seen.add(id)) {
        out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(id);
      }
    }
    return out;
  }

  private static Map<String, List<String>> expectedPerKey(List<CloudEvent> events) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    events.forEach(e -> out.computeIfAbsent(e.subject(), k -> new ArrayList<>()).add(e.id()));
    return out;
  }

  private static String header(ConsumerRecord<String, String> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void publishesAppendedEventsInOrderPerKeyAsStructuredCloudEvents() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<CloudEvent> events = append(store.events(), 40);
    OutboxRelay relay = deploy(relay(store.events(), registry, "node-1"));
    eventually("the gauge shows the backlog", () -> relay.backlog() == 40 || backlogOf(store.events()) < 40);
    eventually("all published", () -> backlogOf(store.events()) == 0);
    events.addAll(append(store.events(), 10)); // while it runs
    eventually("the new ones published", () -> backlogOf(store.events()) == 0);

    List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 50, WAIT);
    assertThat(records).hasSize(50); // no crash, no outage: exactly once
    assertThat(firstSeenPerKey(records)).isEqualTo(expectedPerKey(events));
    Map<String, CloudEvent> byId = events.stream().collect(Collectors.toMap(CloudEvent::id, e -> e));
    for (ConsumerRecord<String, String> r : records) {
      JsonObject value = new JsonObject(r.value());
      CloudEvent sent = byId.get(value.getString("id"));
      assertThat(value).isEqualTo(sent.toJson());
      assertThat(value.getString("specversion")).isEqualTo("1.0");
      assertThat(value.getString("actorid")).isEqualTo("alice");
      assertThat(r.key()).isEqualTo(sent.subject());
      assertThat(header(r, "content-type")).isEqualTo("application/cloudevents+json; charset=UTF-8");
      assertThat(header(r, "ce_specversion")).isEqualTo("1.0");
      assertThat(header(r, "ce_id")).isEqualTo(sent.id());
      assertThat(header(r, "ce_type")).isEqualTo("ai.k0rdent.resourcemanager.project.updated");
      assertThat(header(r, "ce_source")).isEqualTo("//api.k0rdent.io/regions/global");
    }
    // one key, one partition
    Map<String, Set<Integer>> partitions = records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
        Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
    assertThat(partitions.values()).allMatch(p -> p.size() == 1);
    assertThat(relay.leading()).isTrue();
    assertThat(relay.published()).isEqualTo(50);
    eventually("the gauge drops to 0", () -> relay.backlog() == 0);
    // the name README and alerts use, without a unit suffix
    assertThat(registry.scrape()).containsPattern("(?m)^k0rdent_events_backlog(\\{[^}]*\\})? ");
  }

  @Test
  void theBrokerStoppedMidRunLosesAndReordersNothing() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OutboxRelay relay = deploy(relay(store.events(), registry, "node-1"));
    List<CloudEvent> events = append(store.events(), 20);
    eventually("the first published", () -> backlogOf(store.events()) == 0);

    kafka.stop();
    try {
      events.addAll(append(store.events(), 30)); // the API keeps writing
      assertThat(backlogOf(store.events())).isEqualTo(30);
      eventually("the gauge shows the backlog", () -> registry.get(OutboxRelay.BACKLOG_GAUGE).gauge().value() == 30);
      Thread.sleep(500); // some failed rounds
      assertThat(backlogOf(store.events())).isEqualTo(30);
      eventually("a failed round shows (readiness details)", () -> relay.lastError() != null);
    } finally {
      kafka.restart();
    }
    events.addAll(append(store.events(), 10));
    eventually("all published after the restart", () -> backlogOf(store.events()) == 0);
    eventually("the gauge drops to 0", () -> registry.get(OutboxRelay.BACKLOG_GAUGE).gauge().value() == 0);
    eventually("a good round clears the error", () -> relay.lastError() == null);

    List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 60, WAIT);
    assertThat(records.stream().map(r -> new JsonObject(r.value()).getString("id")).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(events.stream().map(CloudEvent::id).toList());
    assertThat(firstSeenPerKey(records)).isEqualTo(expectedPerKey(events));
  }

  @Test
  void stopsPromptlyWithTheBrokerDown() throws Exception {
    kafka.stop();
    try {
      // production timings: a send waits up to 30 s for a broker that is not there
      OutboxRelay relay = new OutboxRelay(store.events(), RelayOptions.of(kafka.bootstrapServers()).withTopic(topic),
          new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "node-1");
      String id = await(pg.vertx().deployVerticle(relay,
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      append(store.events(), 5);
      eventually("it leads and a round is under way", relay::leading);
      Thread.sleep(500);
      long start = System.nanoTime();
      await(pg.vertx().undeploy(id));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a node's shutdown is not held up by Kafka")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(backlogOf(store.events())).as("nothing was lost: the rows wait").isEqualTo(5);
    } finally {
      kafka.restart();
    }
  }

  @Test
  void aRelayCrashBetweenPublishAndMarkRepublishesNeverLoses() throws Exception {
    List<CloudEvent> events = append(store.events(), 10);
    OutboxRelay first = relay(store.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "node-1");
    CompletableFuture<List<OutboxRow>> acked = new CompletableFuture<>();
    first.beforeMark(rows -> {
      acked.complete(rows);
      return Promise.<Void>promise().future(); // dies here: never marks
    });
    deploy(first);
    List<OutboxRow> published = acked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(published).hasSize(10);
    assertThat(kafka.readAll(topic, 10, WAIT)).hasSize(10);
    await(first.crash());
    assertThat(backlogOf(store.events())).isEqualTo(10); // published, not marked

    // the next relay (another node) takes over and publishes them again
    PgStore other = PgStore.create(pg.vertx(), pg.db().settings());
    moreStores.add(other);
    OutboxRelay second = deploy(relay(other.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        "node-2"));
    events.addAll(append(store.events(), 5));
    eventually("all published by the second relay", () -> backlogOf(store.events()) == 0);
    assertThat(second.published()).isEqualTo(15);

    List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 25, WAIT);
    assertThat(records).hasSize(25); // the first ten twice: duplicates, at worst
    Map<String, Long> copies = records.stream().collect(Collectors.groupingBy(
        r -> new JsonObject(r.value()).getString("id"), Collectors.counting()));
    assertThat(copies.keySet()).containsExactlyInAnyOrderElementsOf(events.stream().map(CloudEvent::id).toList());
    assertThat(firstSeenPerKey(records)).isEqualTo(expectedPerKey(events));
  }

  @Test
  void twoRelaysOnOneSchemaPublishOneAtATime() throws Exception {
    PgStore other = PgStore.create(pg.vertx(), pg.db().settings());
    moreStores.add(other);
    OutboxRelay a = deploy(relay(store.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "node-a"));
    OutboxRelay b = deploy(relay(other.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "node-b"));
    List<CloudEvent> events = new ArrayList<>();
    for (int burst = 0; burst < 5; burst++) {
      events.addAll(append(burst % 2 == 0 ? store.events() : other.events(), 10));
      Thread.sleep(60);
    }
    eventually("all published", () -> backlogOf(store.events()) == 0);
    eventually("one leads", () -> a.leading() ^ b.leading());
    OutboxRelay leader = a.leading() ? a : b;
    OutboxRelay standby = leader == a ? b : a;
    assertThat(leader.published()).isEqualTo(50);
    assertThat(standby.published()).isZero();
    assertThat(kafka.readAll(topic, 50, WAIT)).hasSize(50); // nobody published twice

    // the leader goes away: the other takes over at once
    await(pg.vertx().undeploy(deployments.remove(leader == a ? 0 : 1)));
    events.addAll(append(store.events(), 10));
    eventually("the standby publishes", () -> backlogOf(store.events()) == 0);
    assertThat(standby.leading()).isTrue();
    assertThat(standby.published()).isEqualTo(10);
    List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 60, WAIT);
    assertThat(records).hasSize(60);
    assertThat(firstSeenPerKey(records)).isEqualTo(expectedPerKey(events));
  }

  @Test
  void theInMemoryOutboxIsRelayedToo() throws Exception {
    InMemoryStore memory = new InMemoryStore();
    List<CloudEvent> events = append(memory.events(), 12);
    OutboxRelay relay = deploy(relay(memory.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        "dev"));
    eventually("all published", () -> backlogOf(memory.events()) == 0);
    assertThat(relay.leading()).isTrue();
    List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 12, WAIT);
    assertThat(records).hasSize(12);
    assertThat(firstSeenPerKey(records)).isEqualTo(expectedPerKey(events));
  }

  @Test
  void theProducerIsIdempotentWithAcksAllAndTheOptionsAreChecked() {
    Map<String, String> c = relay(store.events(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "n")
        .producerConfig();
    assertThat(c).containsEntry("enable.idempotence", "true").containsEntry("acks", "all")
        .containsEntry("max.in.flight.requests.per.connection", "5")
        .containsEntry("bootstrap.servers", kafka.bootstrapServers())
        .containsEntry("delivery.timeout.ms", "3000");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> options().withBatchSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> options().withTimings(Duration.ofMillis(50),
        Duration.ofMillis(10), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> options().withTopic(" "))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OutboxRelay(store.events(), RelayOptions.of(" "),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "n")).isInstanceOf(IllegalArgumentException.class);
    assertThat(RelayOptions.of("").enabled()).isFalse();
    assertThat(RelayOptions.of(null).enabled()).isFalse();
    assertThat(RelayOptions.of("k:9092").topic()).isEqualTo("k0rdent.events");
  }

}
