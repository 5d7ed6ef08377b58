package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** One Vert.x per test class for fake BMCs, and where the captures are. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FakeBmcTestSupport {

  Vertx vertx;

  @BeforeAll
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Short polls and timeouts: request 2 s, poll 50 ms, power 3 s, task 3 s, 3 retries from 20 ms. */
  static final RedfishOptions FAST = new RedfishOptions(Duration.ofSeconds(2), Duration.ofMillis(50),
      Duration.ofSeconds(3), Duration.ofSeconds(3), 3, Duration.ofMillis(20));

  /** The call log of a client, as lines. */
  static List<String> callLog() {
    return Collections.synchronizedList(new ArrayList<>());
  }

  /** A client of {@code bmc} as admin / {@code password} over plain HTTP. */
  RedfishClient client(FakeBmc bmc, String password, RedfishOptions options, List<String> log) {
    return RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", password, null, false), options,
        log::add);
  }

  /** The future's result, waiting at most 30 s. */
  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The future's failure, a RedfishException (fails the test when it succeeds or fails otherwise). */
  static RedfishClient.RedfishException failure(Future<?> future) throws Exception {
    try {
      Object result = await(future);
      throw new AssertionError("expected a RedfishException, got " + result);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedfishClient.RedfishException re) {
        return re;
      }
      throw new AssertionError("expected a RedfishException", e.getCause());
    }
  }

  static void close(FakeBmc bmc) throws Exception {
    await(bmc.close());
  }

  /** A fake BMC of {@code capture} (a folder of shared/redfish-mockups) on a free port. */
  FakeBmc fakeBmc(String capture, String username, String password) throws Exception {
    return await(FakeBmc.start(vertx, mockups().resolve(capture), 0, username, password));
  }

  /** As {@link #fakeBmc}, over HTTPS with a self-signed certificate. */
  FakeBmc fakeBmcTls(String capture, String username, String password) throws Exception {
    return await(FakeBmc.startTls(vertx, mockups().resolve(capture), 0, username, password));
  }

  /** {@code shared/redfish-mockups}: from -Dk0rdent.shared.dir, else found above the working directory. */
  static Path mockups() {
    String shared = System.getProperty("k0rdent.shared.dir");
    if (shared != null && Files.isDirectory(Path.of(shared, "redfish-mockups"))) {
      return Path.of(shared, "redfish-mockups");
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("shared").resolve("redfish-mockups"))) {
        return dir.resolve("shared").resolve("redfish-mockups");
      }
    }
    throw new IllegalStateException("shared/redfish-mockups not found");
  }
}
