package io.k0rdent.api.verticles;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for listeners configured with port 0, chosen before they bind (a node's issuer URL names
 * its Arc port before the listener exists).
 *
 * <p>A port the OS hands out for {@code bind(0)} comes from the ephemeral range, the same range every
 * outgoing connection takes its local port from: between the probe and the real bind, one of this
 * process's own connections (to PostgreSQL, a Hazelcast peer, an HTTP client) could take it. So ports are
 * picked at random <em>below</em> the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}),
 * in [{@value #LOW}, min(ephemeral start, {@value #HIGH})), where no outgoing connection ever lands; each
 * is checked by binding a probe on every interface, and the probes stay open until all are chosen. A port
 * is never handed out twice by one process, so nodes starting together in one JVM (tests) never race for one.
 * Where the range below the ephemeral one is too small, the OS chooses ({@code bind(0)}) as a fallback.
 */
public final class FreePorts {

  /** Lowest port picked. */
  public static final int LOW = 15_000;
  /** Highest port picked (exclusive); above it lie the ports the performance scripts use by default. */
  public static final int HIGH = 28_000;

  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
  private static final int HIGH_EFFECTIVE = Math.min(HIGH, ephemeralStart());

  private FreePorts() {}

  /** {@code ports} with each 0 replaced by a free port (distinct, never handed out before in this process). */
  public static int[] resolve(int... ports) {
    int[] out = ports.clone();
    List<ServerSocket> probes = new ArrayList<>();
    try {
      for (int i = 0; i < out.length; i++) {
        for (int attempt = 0; out[i] == 0; attempt++) {
          ServerSocket s = probe(attempt);
          if (s == null) {
            continue;
          }
          probes.add(s);
          if (GIVEN.add(s.getLocalPort())) {
            out[i] = s.getLocalPort();
          }
        }
      }
      return out;
    } finally {
      for (ServerSocket s : probes) {
        try {
          s.close();
        } catch (IOException ignored) {
          // a probe that does not close cleanly still frees its port
        }
      }
    }
  }

  /** {@code n} distinct free ports. */
  public static int[] of(int n) {
    return resolve(new int[n]);
  }

  /** One free port. */
  public static int one() {
    return of(1)[0];
  }

  /** A bound probe: below the ephemeral range while tries last (1,000), then the OS's choice; null if taken. */
  private static ServerSocket probe(int attempt) {
    try {
      if (HIGH_EFFECTIVE - LOW < 1_000 || attempt >= 1_000) {
        return new ServerSocket(0);
      }
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH_EFFECTIVE);
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(false);
      try {
        s.bind(new java.net.InetSocketAddress((InetAddress) null, port));
        return s;
      } catch (IOException taken) {
        s.close();
        return null;
      }
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static int ephemeralStart() {
    try {
      // Not Files.readString: /proc files report size 0, and it returned only their first byte here.
      try (java.io.BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
        String line = r.readLine();
        return Integer.parseInt(line.trim().split("\\s+")[0]);
      }
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default; elsewhere the OS's choice is the fallback anyway
    }
  }
}
