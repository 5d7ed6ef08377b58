package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fleet of {@link FakeBmc}s for {@code dev} and tests: {@code n} fake BMCs on 127.0.0.1 ephemeral ports, cycling
 * through the capture folders of {@code shared/redfish-mockups} in sorted order, each with user {@code admin} and
 * a random password (24 hex digits).
 */
public final class FakeBmcFleet {

  /** One fake BMC: the capture folder's name, its {@code http://127.0.0.1:<port>}, its credentials. */
  public record Member(String capture, String address, String username, String password, FakeBmc bmc) {
    /** Without the password. */
    @Override
    public String toString() {
      return "Member[capture=" + capture + ", address=" + address + ", username=" + username + "]";
    }
  }

  private final List<Member> members;

  private FakeBmcFleet(List<Member> members) {
    this.members = List.copyOf(members);
  }

  /**
   * Starts {@code n} fake BMCs over the captures found in {@code mockupsRoot} (its folders holding a Redfish
   * service root, sorted by name, cycled).
   *
   * @return fails with IllegalArgumentException when {@code mockupsRoot} holds no capture or n is negative; when
   *     one BMC fails to start, those started are closed
   */
  public static Future<FakeBmcFleet> start(Vertx vertx, Path mockupsRoot, int n) {
    return vertx.executeBlocking(() -> captures(mockupsRoot), false).compose(captures -> {
      if (n < 0 || n > 0 && captures.isEmpty()) {
        return Future.failedFuture(new IllegalArgumentException(
            n < 0 ? "a fleet of " + n + " BMCs" : mockupsRoot + " holds no Redfish capture"));
      }
      SecureRandom random = new SecureRandom();
      List<Future<Member>> started = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Path capture = captures.get(i % captures.size());
        byte[] pw = new byte[12];
        random.nextBytes(pw);
        String password = HexFormat.of().formatHex(pw);
        started.add(FakeBmc.start(vertx, capture, 0, "admin", password).map(bmc ->
            new Member(capture.getFileName().toString(), bmc.address(), "admin", password, bmc)));
      }
      return Future.join(started).transform(ar -> {
        List<Member> ok = new ArrayList<>();
        for (Future<Member> f : started) {
          if (f.succeeded()) {
            ok.add(f.result());
          }
        }
        FakeBmcFleet fleet = new FakeBmcFleet(ok);
        return ar.succeeded() ? Future.succeededFuture(fleet)
            : fleet.close().transform(x -> Future.failedFuture(ar.cause()));
      });
    });
  }

  private static List<Path> captures(Path root) throws IOException {
    if (root == null || !Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory)
          .filter(d -> Files.isRegularFile(d.resolve("index.json"))
              || Files.isRegularFile(d.resolve("redfish").resolve("v1").resolve("index.json")))
          .sorted().toList();
    }
  }

  /** The BMCs, in start order. */
  public List<Member> members() {
    return members;
  }

  /** Stops every BMC (never fails). */
  public Future<Void> close() {
    return Future.join(members.stream().map(m -> m.bmc().close()).toList()).<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /**
   * {@code shared/redfish-mockups} in {@code start} or its nearest ancestor that has one, or null.
   */
  public static Path findMockups(Path start) {
    if (start == null) {
      return null;
    }
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("redfish-mockups");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
