package io.k0rdent.api.core.server;

import java.time.Instant;

/**
 * One entry of a server's log (upstream {@code getServerLogs}' items {@code {timestamp, severity, message}}; we add
 * {@code jobId} when the entry belongs to a {@code :provision} job). {@code seq} orders entries of one server
 * (strictly increasing, assigned by the store); {@code at} is when it was written.
 */
public record ServerLogEntry(long seq, Instant at, Severity severity, String message, String jobId) {

  /** Upstream's severities. */
  public enum Severity {
    DEBUG, INFO, WARNING, ERROR;

    /** {@code debug}, {@code info}, {@code warning}, {@code error}. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** An entry to append (the store assigns {@code seq}); messages longer than 2,000 characters are cut. */
  public static ServerLogEntry of(Instant at, Severity severity, String message, String jobId) {
    String m = message.length() > 2000 ? message.substring(0, 1997) + "..." : message;
    return new ServerLogEntry(0, at, severity, m, jobId);
  }
}
