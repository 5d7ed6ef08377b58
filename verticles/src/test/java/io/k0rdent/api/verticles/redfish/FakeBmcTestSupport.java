package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** A fake BMC of {@code capture} (a folder of shared/redfish-mockups) on a free port. */
  FakeBmc fakeBmc(String capture, String username, String password) throws Exception {
    return FakeBmc.start(vertx, mockups().resolve(capture), 0, username, password)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
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
