package io.k0rdent.api.verticles.testsupport;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Two nodes as in production: two Hazelcast members joined over TCP on loopback, each with its own Vert.x
 * and HTTP listeners and the same issuer, sharing only a fresh PostgreSQL schema. Close to stop both and
 * drop the schema.
 */
public record TwoNodes(PgTestDatabase db, TestNode a, TestNode b) implements AutoCloseable {

  /** Starts both nodes (concurrently, as they join each other) in a cluster named {@code prefix-<uuid>}. */
  public static TwoNodes start(String prefix) {
    PgTestDatabase db = PgTestDatabase.create();
    String cluster = prefix + "-" + UUID.randomUUID();
    int[] ports = io.k0rdent.api.verticles.FreePorts.of(2);
    int pa = ports[0];
    int pb = ports[1];
    CompletableFuture<TestNode> fa = CompletableFuture.supplyAsync(() -> TestNode.start(overrides(db, cluster, pa, pb)));
    CompletableFuture<TestNode> fb = CompletableFuture.supplyAsync(() -> TestNode.start(overrides(db, cluster, pb, pa)));
    try {
      TwoNodes nodes = new TwoNodes(db, fa.join(), fb.join());
      nodes.awaitClusterSafe();
      return nodes;
    } catch (RuntimeException | AssertionError e) {
      fa.thenAccept(TestNode::close);
      fb.thenAccept(TestNode::close);
      db.drop();
      throw e;
    }
  }

  /**
   * Waits (up to 60 s) until each member sees both and the cluster is safe: every partition has its
   * owner and its backup in sync, so no migration is still moving the maps the tests read while they
   * measure. Fails when the two never formed one cluster.
   */
  void awaitClusterSafe() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      int sizeA = a.node().hazelcast().getCluster().getMembers().size();
      int sizeB = b.node().hazelcast().getCluster().getMembers().size();
      if (sizeA == 2 && sizeB == 2 && a.node().hazelcast().getPartitionService().isClusterSafe()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the two members did not form one safe cluster within 60 s (members seen: "
            + sizeA + " and " + sizeB + ")");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  private static Map<String, Object> overrides(PgTestDatabase db, String cluster, int port, int other) {
    Map<String, Object> o = new HashMap<>();
    o.put("database.url", db.url());
    o.put("database.schema", db.schema());
    o.put("hazelcast.clusterName", cluster);
    o.put("hazelcast.port", port);
    o.put("hazelcast.members", "127.0.0.1:" + other);
    o.put("auth.issuer", "http://k0rdent.test"); // one issuer for the cluster, as in production
    return o;
  }

  @Override
  public void close() {
    a.close();
    b.close();
    db.drop();
  }
}
