package io.k0rdent.api.verticles.testsupport;

import io.k0rdent.api.verticles.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaProperties;
import org.apache.kafka.server.common.MetadataVersion;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A real Kafka broker in this JVM for tests: one KRaft node that is both broker and controller
 * ({@code process.roles=broker,controller}), from the {@code org.apache.kafka:kafka_2.13} artifact of the same release
 * as the client (so both share one {@code kafka-clients} jar), no ZooKeeper, no Docker. It listens on loopback
 * ports chosen once at {@link #start()} ({@link FreePorts}, below the ephemeral range), keeps its log in a fresh
 * directory under {@code target/embedded-kafka/}, and {@link #stop()} / {@link #restart()} keep both, so clients
 * configured with {@link #bootstrapServers()} reconnect to the same address and find their topics and records.
 * Topics auto-created by producers get {@value #PARTITIONS} partitions; replication factor 1 everywhere.
 *
 * <p>Blocking: call from test threads, never from an event loop. Start-up takes about a second or two.
 */
public final class EmbeddedKafka implements AutoCloseable {

  /** Partitions of auto-created topics (several, so that per-key order is tested across partitions). */
  public static final int PARTITIONS = 3;

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final KafkaConfig config;
  private KafkaRaftServer server;

  private EmbeddedKafka(Path dir, int port, int controllerPort) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dir.toAbsolutePath().toString());
    p.put("num.partitions", String.valueOf(PARTITIONS));
    p.put("auto.create.topics.enable", "true");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("log.cleaner.enable", "false");
    // a restarted broker comes back as fast as possible
    p.put("controlled.shutdown.enable", "false");
    p.put("broker.heartbeat.interval.ms", "200");
    p.put("broker.session.timeout.ms", "3000");
    this.config = KafkaConfig.fromProps(p, false);
  }

  /**
   * Formats a new data directory (a random cluster id, the release's latest production metadata version) and
   * starts the broker.
   *
   * @throws IllegalStateException when formatting fails
   */
  public static EmbeddedKafka start() {
    try {
      Path base = Path.of("target", "embedded-kafka");
      Files.createDirectories(base);
      Path dir = Files.createTempDirectory(base, "kraft-");
      int[] ports = FreePorts.resolve(0, 0);
      EmbeddedKafka k = new EmbeddedKafka(dir, ports[0], ports[1]);
      k.format();
      k.startServer();
      return k;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void format() {
    MetaProperties meta = StorageTool$.MODULE$.buildMetadataProperties(Uuid.randomUuid().toString(), config);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = StorageTool$.MODULE$.formatCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        CollectionConverters.asScala(List.of(dir.toAbsolutePath().toString())).toSeq(), meta,
        MetadataVersion.latestProduction(), false);
    if (rc != 0) {
      throw new IllegalStateException("formatting " + dir + " failed: " + out.toString(StandardCharsets.UTF_8));
    }
  }

  private synchronized void startServer() {
    KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
    s.startup();
    server = s;
  }

  /** {@code 127.0.0.1:<port>}, the same for the broker's whole life (restarts included). */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The broker's port. */
  public int port() {
    return port;
  }

  /** Whether the broker is running. */
  public synchronized boolean running() {
    return server != null;
  }

  /** Shuts the broker down and waits until it has; its data and ports stay. Idempotent. */
  public synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Starts the broker again on the same ports and data (stops it first if running). */
  public synchronized void restart() {
    stop();
    startServer();
  }

  /**
   * Creates {@code topic} with {@code partitions} partitions (replication factor 1) and waits until it exists.
   *
   * @throws IllegalStateException when the broker refuses
   */
  public void createTopic(String topic, int partitions) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (Exception e) {
      throw new IllegalStateException("creating topic " + topic + " failed", e);
    }
  }

  /**
   * Every record of {@code topic} from the beginning of each partition, read until at least {@code atLeast}
   * records arrived and then until one more poll brings nothing new, or until {@code timeout}. Records of one
   * partition are in offset order; partitions follow one another (by partition number).
   *
   * @return the records (possibly fewer than {@code atLeast} when the timeout passed: the caller asserts)
   */
  public List<ConsumerRecord<String, String>> readAll(String topic, int atLeast, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "embedded-kafka-reader-" + UUID.randomUUID());
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      while (parts.isEmpty() && System.nanoTime() < deadline) {
        c.partitionsFor(topic, Duration.ofSeconds(5))
            .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
      }
      parts.sort(Comparator.comparingInt(TopicPartition::partition));
      c.assign(parts);
      c.seekToBeginning(parts);
      boolean quiet = false;
      while (System.nanoTime() < deadline && !(out.size() >= atLeast && quiet)) {
        int before = out.size();
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        quiet = out.size() == before;
      }
    }
    out.sort(Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
        .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  /** Stops the broker and deletes its data. */
  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort: target/ is the build's
    }
  }
}
