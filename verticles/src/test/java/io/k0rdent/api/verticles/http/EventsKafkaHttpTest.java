package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.EmbeddedKafka;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 end to end: API calls on a node backed by PostgreSQL, its outbox relay, a real in-process Kafka broker
 * (KRaft). What a consumer of {@code k0rdent.events} sees: every change, in order per resource (the record key is
 * the selfLink), as structured CloudEvents; with the broker stopped the API keeps answering, the backlog shows in
 * {@code /readyz}, and after the restart every event arrives with none lost or reordered per key.
 */
class EventsKafkaHttpTest extends NodeHttpTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private EmbeddedKafka kafka;
  private String topic;
  private String org;

  @Override
  boolean onPostgres() {
    return true;
  }

  /** A PostgreSQL node whose relay publishes to a broker of this class's own. */
  @Override
  TestNode startNode() {
    kafka = EmbeddedKafka.start();
    topic = "api-events-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopic(topic, EmbeddedKafka.PARTITIONS);
    db = PgTestDatabase.create();
    return TestNode.start(Map.of("database.url", db.url(), "database.schema", db.schema(),
        "events.kafkaBootstrapServers", kafka.bootstrapServers(), "events.topic", topic));
  }

  @BeforeAll
  void organization() {
    org = created(ORGS, new JsonObject().put("id", unique("kafka"))).getString("id");
  }

  @AfterAll
  void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private long backlog() {
    Api.Res r = Api.forUrl(node.managementUrl()).send("GET", "/readyz", null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonObject("details").getJsonObject("events").getLong("backlog");
  }

  private String project(String id, String name) {
    Api.Res r = node.atlas.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org)
        .put("displayName", name));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("selfLink");
  }

  private void rename(String id, String name) {
    Api.Res r = node.atlas.patch(PROJECTS + "/" + id, token, new JsonObject().put("displayName", name));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  /** Per key, the distinct events in the order first seen (a redelivered duplicate is skipped, as a consumer would). */
  private static Map<String, List<JsonObject>> firstSeenPerKey(List<ConsumerRecord<String, String>> records) {
    Map<String, List<JsonObject>> out = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    for (ConsumerRecord<String, String> r : records) {
      JsonObject e = new JsonObject(r.value());
      assertThat(r.key()).isEqualTo(e.getString("subject"));
      if (seen.add(e.getString("id"))) {
        out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(e);
      }
    }
    return out;
  }

  /** The {@code displayName}s a key's events carry, in order (null for a delete). */
  private static List<String> names(List<JsonObject> events) {
    return events.stream().map(e -> e.getJsonObject("data").getString("displayName")).toList();
  }

  private List<ConsumerRecord<String, String>> recordsUnder(String prefix, int atLeast) throws Exception {
    Instant end = Instant.now().plus(WAIT);
    while (true) {
      List<ConsumerRecord<String, String>> all = kafka.readAll(topic, 0, Duration.ofSeconds(2));
      List<ConsumerRecord<String, String>> mine = all.stream().filter(r -> r.key().startsWith(prefix)).toList();
      if (firstSeenPerKey(mine).values().stream().mapToInt(List::size).sum() >= atLeast) {
        return mine;
      }
      assertThat(Instant.now()).as("%s events under %s reach the topic", atLeast, prefix).isBefore(end);
      Thread.sleep(200);
    }
  }

  @Test
  void changesArriveInOrderPerResourceAsCloudEvents() throws Exception {
    String prefix = PROJECTS + "/seq-";
    List<String> ids = List.of("seq-a-" + UUID.randomUUID().toString().substring(0, 6),
        "seq-b-" + UUID.randomUUID().toString().substring(0, 6),
        "seq-c-" + UUID.randomUUID().toString().substring(0, 6));
    for (String id : ids) {
      project(id, id + "-0");
    }
    for (int round = 1; round <= 5; round++) {
      for (String id : ids) {
        rename(id, id + "-" + round);
      }
    }
    assertThat(node.atlas.delete(PROJECTS + "/" + ids.get(1), token).status()).isEqualTo(204);

    Map<String, List<JsonObject>> perKey = firstSeenPerKey(recordsUnder(prefix, 3 * 6 + 1));
    assertThat(perKey).hasSize(3);
    for (String id : ids) {
      List<JsonObject> events = perKey.get(PROJECTS + "/" + id);
      List<String> expected = new ArrayList<>();
      for (int round = 0; round <= 5; round++) {
        expected.add(id + "-" + round);
      }
      if (id.equals(ids.get(1))) {
        expected.add(null);
      }
      assertThat(names(events)).as("order of %s", id).isEqualTo(expected);
      assertThat(events.get(0).getString("type")).isEqualTo("ai.k0rdent.resourcemanager.project.created");
      assertThat(events.subList(1, 6)).extracting(e -> e.getString("type"))
          .containsOnly("ai.k0rdent.resourcemanager.project.updated");
      for (JsonObject e : events) {
        assertThat(e.getString("specversion")).isEqualTo("1.0");
        assertThat(e.getString("source")).isEqualTo("/k0rdent/regions/local-1");
        assertThat(e.getString("datacontenttype")).isEqualTo("application/json");
        assertThat(e.getString("actorid")).isEqualTo(TestNode.CLIENT_ID);
        assertThat(e.getString("actortype")).isEqualTo("service_account");
        assertThat(e.getString("requestid")).isNotBlank();
        assertThat(e.getString("sourceaddress")).isEqualTo("127.0.0.1");
        assertThat(Instant.parse(e.getString("time"))).isBefore(Instant.now().plusSeconds(1));
      }
    }
    // this node's relay publishes: it leads, and its last round went well
    JsonObject relay = Api.forUrl(node.managementUrl()).send("GET", "/readyz", null).json().getJsonObject("details")
        .getJsonObject("events");
    assertThat(relay.getString("relay")).isEqualTo("on");
    assertThat(relay.getBoolean("leading")).isTrue();
    assertThat(relay.containsKey("lastError")).isTrue();
    assertThat(relay.getString("lastError")).isNull();
    List<JsonObject> deleted = perKey.get(PROJECTS + "/" + ids.get(1));
    assertThat(deleted.get(deleted.size() - 1).getString("type"))
        .isEqualTo("ai.k0rdent.resourcemanager.project.deleted");
  }

  @Test
  void withTheBrokerStoppedTheApiAnswersAndNothingIsLostOrReordered() throws Exception {
    String prefix = PROJECTS + "/down-";
    String a = "down-a-" + UUID.randomUUID().toString().substring(0, 6);
    String b = "down-b-" + UUID.randomUUID().toString().substring(0, 6);
    project(a, a + "-0");
    project(b, b + "-0");
    recordsUnder(prefix, 2);

    kafka.stop();
    try {
      for (int round = 1; round <= 10; round++) {
        rename(a, a + "-" + round);
        rename(b, b + "-" + round);
      }
      assertThat(backlog()).as("the outbox holds what Kafka could not take").isGreaterThanOrEqualTo(20);
    } finally {
      kafka.restart();
    }
    rename(a, a + "-11");

    Map<String, List<JsonObject>> perKey = firstSeenPerKey(recordsUnder(prefix, 2 + 20 + 1));
    List<String> expectedA = new ArrayList<>();
    List<String> expectedB = new ArrayList<>();
    for (int round = 0; round <= 10; round++) {
      expectedA.add(a + "-" + round);
      expectedB.add(b + "-" + round);
    }
    expectedA.add(a + "-11");
    assertThat(names(perKey.get(PROJECTS + "/" + a))).isEqualTo(expectedA);
    assertThat(names(perKey.get(PROJECTS + "/" + b))).isEqualTo(expectedB);
    Instant end = Instant.now().plus(WAIT);
    while (backlog() != 0) {
      assertThat(Instant.now()).as("the backlog empties").isBefore(end);
      Thread.sleep(200);
    }
  }
}
