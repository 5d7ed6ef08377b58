package io.k0rdent.api.verticles.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.threadchecker.BlockedThreadEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Embedded members, event-loop drivers and records for the Hazelcast auth tests. */
final class AuthTestSupport {

  static final String ORG = "acme";

  private AuthTestSupport() {}

  static int freePort() {
    return io.k0rdent.api.verticles.FreePorts.one();
  }

  /**
   * A member configured as nodes configure theirs ({@link HazelcastSetup#config}), on 127.0.0.1:{@code port},
   * joining {@code peers} over TCP (multicast off), in cluster {@code cluster}.
   */
  static HazelcastInstance member(String cluster, int port, int... peers) {
    String members = Arrays.stream(peers).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    Config config = HazelcastSetup.config(new Settings.Hazelcast(cluster, port, members, "127.0.0.1"));
    config.setInstanceName(cluster + "-" + port);
    // Tests only: a lone first member need not wait for others before it forms the cluster.
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    return Hazelcast.newHazelcastInstance(config);
  }

  /**
   * A Vert.x whose blocked-thread checker reports an event loop busy with one task for more than 500 ms
   * into {@code blocked}, with the stack it was found in (the tests assert it stays empty). Generous so that
   * a loaded machine does not trip it; a blocking call into a stalled Hazelcast partition would take seconds.
   */
  static Vertx vertx(List<String> blocked) {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setMaxEventLoopExecuteTime(500).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> blocked.add(describe(event)));
    return vertx;
  }

  private static String describe(BlockedThreadEvent event) {
    return event.thread().getName() + " busy for " + TimeUnit.NANOSECONDS.toMillis(event.duration()) + " ms at\n"
        + Arrays.stream(event.thread().getStackTrace()).limit(25).map(f -> "  " + f)
        .collect(Collectors.joining("\n"));
  }

  /**
   * Runs {@code call} on {@code ctx}'s event loop and waits for its answer, asserting that the answer is
   * delivered on that same context; a failure is thrown as its cause.
   */
  static <T> T onLoop(Context ctx, Supplier<Future<T>> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      if (!Context.isOnEventLoopThread()) {
        out.completeExceptionally(new AssertionError("not on an event loop"));
        return;
      }
      call.get().onComplete(ar -> {
        if (Vertx.currentContext() != ctx) {
          out.completeExceptionally(new AssertionError("answered on " + Thread.currentThread().getName()
              + ", not on the calling context"));
        } else if (ar.succeeded()) {
          out.complete(ar.result());
        } else {
          out.completeExceptionally(ar.cause());
        }
      });
    });
    try {
      return out.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a non-Future call on {@code ctx}'s event loop. */
  static <T> T onLoopValue(Context ctx, Supplier<T> call) {
    return onLoop(ctx, () -> Future.succeededFuture(call.get()));
  }

  /** Whether {@code call}, made on {@code ctx}'s event loop, returned an already completed future. */
  static boolean completesAtOnce(Context ctx, Supplier<Future<?>> call) {
    return onLoop(ctx, () -> Future.succeededFuture(call.get().isComplete()));
  }

  /** The 503 {@code call} fails with on {@code ctx}'s event loop. */
  static ApiException unavailable(Context ctx, Supplier<Future<?>> call) {
    try {
      Object answer = onLoop(ctx, () -> call.get().map(x -> (Object) x));
      throw new AssertionError("expected a 503, got " + answer);
    } catch (ApiException e) {
      assertThat(e.status()).isEqualTo(503);
      return e;
    }
  }

  /** Retries {@code assertion} until it holds or {@code within} has passed (then its last failure is thrown). */
  static void eventually(Duration within, Runnable assertion) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void seedOrganization(Store store) {
    Instant now = Clock.now();
    await(store.organizations().create(new Organization(ORG, UUID.randomUUID(), "Acme", null, now, now, 1)));
  }

  static ServiceAccount serviceAccount(String id) {
    Instant now = Clock.now();
    return new ServiceAccount(id, UUID.randomUUID(), ORG, ServiceAccount.clientIdOf(id, ORG), "organization", ORG,
        List.of("viewer", "editor"), ServiceAccount.ACTIVE, "SA " + id, null, "user-1", now, now, 1);
  }

  static ServiceAccountCredential credential(String id, String serviceAccountId) {
    Instant now = Clock.now();
    return new ServiceAccountCredential(id, UUID.randomUUID(), serviceAccountId, "hash-" + id,
        now.plus(Duration.ofDays(30)), "user-1", null, null, now, now, 1);
  }

  static ApiKey apiKey(String id) {
    Instant now = Clock.now();
    return new ApiKey(id, UUID.randomUUID(), ORG, "organization", ORG, List.of("viewer"), ApiKey.ACTIVE,
        now.plus(Duration.ofDays(90)), "user-1", "user", "hash-" + id, null, null, null, null, null, "Key " + id,
        "a key", now, now, 1);
  }
}
