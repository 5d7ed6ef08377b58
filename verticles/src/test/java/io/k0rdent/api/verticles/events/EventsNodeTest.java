package io.k0rdent.api.verticles.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.Awaits;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.EmbeddedKafka;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay as a node runs it (configuration {@code events.*}, {@code dev --kafka}): off without Kafka, the
 * backlog in {@code /readyz} details either way (never a reason to be unready), and a node given a broker publishes
 * what its outbox holds.
 */
class EventsNodeTest {

  private static JsonObject events(TestNode node) {
    Api.Res r = Api.forUrl(node.managementUrl()).send("GET", "/readyz", null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonObject("details").getJsonObject("events");
  }

  private static CloudEvent event(String subject) {
    return CloudEvent.of("/v1/regions/local-1", "ai.k0rdent.test.thing.created", subject, Instant.now(),
        new JsonObject().put("id", subject.substring(subject.lastIndexOf('/') + 1)));
  }

  @Test
  void withoutKafkaEventsWaitInTheOutboxAndReadinessSaysHowMany() {
    try (TestNode node = TestNode.start()) {
      assertThat(events(node).getString("relay")).isEqualTo("off");
      long seeded = events(node).getLong("backlog"); // the provider organization's creation at first start
      assertThat(seeded).isPositive();
      Awaits.await(node.node().services().store().events().append(event("/things/a"), "/things/a"));
      assertThat(events(node).getLong("backlog")).isEqualTo(seeded + 1);
    }
  }

  @Test
  void aNodeGivenABrokerPublishesItsOutbox() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String topic = "events-node-test";
      kafka.createTopic(topic, EmbeddedKafka.PARTITIONS);
      try (TestNode node = TestNode.start(Map.of("events.kafkaBootstrapServers", kafka.bootstrapServers(),
          "events.topic", topic))) {
        assertThat(events(node).getString("relay")).isEqualTo("on");
        CloudEvent e = event("/things/b");
        Awaits.await(node.node().services().store().events().append(e, "/things/b"));
        List<ConsumerRecord<String, String>> records = kafka.readAll(topic, 2, Duration.ofSeconds(30)).stream()
            .filter(r -> r.key().equals("/things/b")).toList();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).key()).isEqualTo("/things/b");
        assertThat(new JsonObject(records.get(0).value()).getString("id")).isEqualTo(e.id());
        Instant end = Instant.now().plusSeconds(15);
        while (events(node).getLong("backlog") != 0) {
          assertThat(Instant.now()).as("the backlog empties once published").isBefore(end);
          Thread.sleep(100);
        }
      }
    }
  }
}
